// Servers for the typed client's tests: real etcd 3.4 or capstan, behind
// the compat suite's target interface (test/compat/targets.ts). A test
// file names its target kind in ONE line,
//
//   const target = clientTestTarget();
//
// — capstan, or real etcd with CAPSTAN_CLIENT_TEST_TARGET=etcd (to check
// that a test expects what etcd does) — and everything else (starting
// members, killing them, clients on their endpoints, cleanup) goes through
// this file.

import { spawn, type ChildProcess } from 'node:child_process';
import { cleanEnv, findOnPath } from '../server/grpc/etcdctl.js';
import {
  startCapstanTarget,
  startEtcdTarget,
  type CompatTarget,
  type TargetKind,
} from '../../compat/targets.js';
import { Client, type ClientOptions } from '../../../store/client/index.js';

export type { TargetKind };

export const etcdBin = findOnPath('etcd');
export const etcdctlBin = findOnPath('etcdctl');

/** The server the suite runs against: capstan unless CAPSTAN_CLIENT_TEST_TARGET=etcd. */
export function clientTestTarget(): TargetKind {
  return process.env['CAPSTAN_CLIENT_TEST_TARGET'] === 'etcd' ? 'etcd' : 'capstan';
}

/** Why a test against `kind` cannot run here, or undefined when it can. */
export function skipReason(kind: TargetKind): string | undefined {
  if (kind === 'etcd' && (etcdBin === undefined || etcdctlBin === undefined)) {
    return 'etcd or etcdctl is not installed';
  }
  return undefined;
}

export interface ClientTarget extends CompatTarget {
  /** host:port of the named members (default: every member, in order). */
  endpoints(names?: readonly string[]): string[];
  /** A client on the named members' endpoints, closed by close(). */
  client(o?: Partial<ClientOptions> & { names?: readonly string[] }): Client;
}

export interface StartOptions {
  members: number;
  /** The servers' --max-request-bytes (default 1 MiB). */
  maxRequestBytes?: number;
}

const maxRequestBytesDefault = 1024 * 1024;

export async function startTarget(kind: TargetKind, o: StartOptions): Promise<ClientTarget> {
  const to = { members: o.members, maxRequestBytes: o.maxRequestBytes ?? maxRequestBytesDefault };
  const t =
    kind === 'etcd'
      ? await startEtcdTarget(etcdBin!, etcdctlBin!, to)
      : await startCapstanTarget(to);
  const clients: Client[] = [];
  const endpoints = (names: readonly string[] = t.names()): string[] =>
    names.map((n) => t.endpoint(n));
  return {
    ...t,
    endpoints,
    client: ({ names, ...co } = {}) => {
      const c = new Client({ endpoints: endpoints(names), ...co });
      clients.push(c);
      return c;
    },
    close: async () => {
      for (const c of clients) c.close();
      await t.close();
    },
  };
}

/** Waits until `check` returns a value other than undefined (or stops throwing), or fails at the deadline. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  pollMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`${what} did not happen within ${timeoutMs} ms${why}`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** The text of a Buffer (or undefined). */
export const str = (b: Buffer | undefined): string | undefined => b?.toString('utf8');

/** A long-running etcdctl (lock, elect, watch) whose output is collected. */
export interface RunningCtl {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** SIGINT (etcdctl then unlocks or resigns), and waits for the exit. */
  interrupt(): Promise<number | null>;
}

/** Starts `etcdctl --endpoints=… args` in the background; `after` hooks must interrupt it. */
export function spawnEtcdctl(endpoints: readonly string[], args: readonly string[]): RunningCtl {
  const child = spawn(
    etcdctlBin!,
    [`--endpoints=${endpoints.join(',')}`, '--dial-timeout=5s', ...args],
    { env: cleanEnv({ ETCDCTL_API: '3' }), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    interrupt: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}
