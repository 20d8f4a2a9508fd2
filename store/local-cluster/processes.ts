// Starting and stopping member processes of a local cluster.

import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterFile, LocalMember } from './cluster-file.js';

/** How to run `capstan`: the node binary and the arguments before the command. */
export interface CapstanCommand {
  node: string;
  args: string[];
}

/** The command this process was started as: works from sources (tsx) and from dist/. */
export function currentCapstanCommand(): CapstanCommand {
  return { node: process.execPath, args: [...process.execArgv, process.argv[1]!] };
}

export function memberFlags(dir: string, c: ClusterFile, m: LocalMember): string[] {
  const url = (port: number): string => `http://127.0.0.1:${port}`;
  const cluster = c.members.map((x) => `${x.name}=${url(x.peerPort)}`).join(',');
  const flags = [
    `--name=${m.name}`,
    `--data-dir=${join(dir, `${m.name}.capstan`)}`,
    `--listen-client-urls=${url(m.clientPort)}`,
    `--advertise-client-urls=${url(m.clientPort)}`,
    `--listen-peer-urls=${url(m.peerPort)}`,
    `--initial-advertise-peer-urls=${url(m.peerPort)}`,
    `--initial-cluster=${cluster}`,
    `--initial-cluster-token=${c.token}`,
    `--heartbeat-interval=${c.heartbeatIntervalMs}`,
    `--election-timeout=${c.electionTimeoutMs}`,
  ];
  if (c.snapshotCount !== undefined) flags.push(`--snapshot-count=${c.snapshotCount}`);
  return flags;
}

/**
 * Starts one member with its output appended to <dir>/<name>.log. Detached
 * members outlive this process (for `cluster up --detach`).
 */
export function startMember(
  cmd: CapstanCommand,
  dir: string,
  c: ClusterFile,
  m: LocalMember,
  detached: boolean,
  extraEnv: Record<string, string> = {},
): ChildProcess {
  const log = openSync(join(dir, `${m.name}.log`), 'a');
  try {
    // Only our own variables: a stray ETCD_* or CAPSTAN_* from the caller must not leak in.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !k.startsWith('CAPSTAN_') && !k.startsWith('ETCD'),
      ),
    );
    const child = spawn(cmd.node, [...cmd.args, 'store', ...memberFlags(dir, c, m)], {
      stdio: ['ignore', log, log],
      detached,
      env: { ...env, ...extraEnv },
    });
    if (detached) child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

export function isRunning(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export async function stopProcess(pid: number, graceMs: number): Promise<void> {
  if (!isRunning(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  while (isRunning(pid)) await new Promise((r) => setTimeout(r, 20));
}
