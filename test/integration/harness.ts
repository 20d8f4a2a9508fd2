// Real `capstan store` processes on loopback ports for integration tests:
// start a cluster, talk to members, kill, pause and restart them, add new
// ones; everything is stopped and removed in `close()`.

import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { etcdClient, type EtcdClient } from '../../store/client/etcd-client.js';
import type { ClusterFile, LocalMember } from '../../store/local-cluster/cluster-file.js';
import { freePorts } from '../../store/local-cluster/free-ports.js';
import { startMember, type CapstanCommand } from '../../store/local-cluster/processes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const capstanFromSources: CapstanCommand = {
  node: process.execPath,
  args: ['--import', 'tsx', join(root, 'cmd', 'capstan.ts')],
};

export interface TestClusterOptions {
  replicas: number;
  heartbeatIntervalMs?: number;
  electionTimeoutMs?: number;
  snapshotCount?: number;
  /** More `capstan store` flags for every member (flag name → value), e.g. max-request-bytes. */
  extraFlags?: Record<string, string>;
}

/**
 * Members start through tsx (TypeScript compiled at load): on a busy 2-core
 * machine five of them can take more than 20 s to listen, which is not what
 * a test measures.
 */
const startupTimeoutMs = 60_000;

export class TestCluster {
  readonly procs = new Map<string, ChildProcess>();
  readonly clients = new Map<string, EtcdClient>();

  private constructor(
    readonly dir: string,
    readonly file: ClusterFile,
  ) {}

  static async start(o: TestClusterOptions): Promise<TestCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'capstan-it-'));
    const ports = await freePorts(2 * o.replicas);
    const file: ClusterFile = {
      token: `it-${Date.now()}`,
      heartbeatIntervalMs: o.heartbeatIntervalMs ?? 50,
      electionTimeoutMs: o.electionTimeoutMs ?? 500,
      ...(o.snapshotCount !== undefined ? { snapshotCount: o.snapshotCount } : {}),
      members: Array.from({ length: o.replicas }, (_, i) => ({
        name: `m${i + 1}`,
        clientPort: ports[2 * i]!,
        peerPort: ports[2 * i + 1]!,
        pid: 0,
      })),
    };
    const c = new TestCluster(dir, file);
    try {
      for (const m of file.members) c.launch(m, o.extraFlags);
      await c.waitForLeader(startupTimeoutMs);
    } catch (err) {
      // A cluster that never came up must not leave its processes or files behind.
      await c.close().catch(() => undefined);
      throw err;
    }
    return c;
  }

  get electionTimeoutMs(): number {
    return this.file.electionTimeoutMs;
  }

  member(name: string): LocalMember {
    const m = this.file.members.find((x) => x.name === name);
    if (!m) throw new Error(`no member ${name}`);
    return m;
  }

  names(): string[] {
    return this.file.members.map((m) => m.name);
  }

  running(): string[] {
    return this.names().filter((n) => this.procs.has(n));
  }

  client(name: string): EtcdClient {
    let c = this.clients.get(name);
    if (!c) {
      c = etcdClient(`127.0.0.1:${this.member(name).clientPort}`);
      this.clients.set(name, c);
    }
    return c;
  }

  endpoint(name: string): string {
    return `127.0.0.1:${this.member(name).clientPort}`;
  }

  launch(m: LocalMember, extraFlags: Record<string, string> = {}): ChildProcess {
    const env = Object.fromEntries(
      Object.entries(extraFlags).map(([k, v]) => [
        `CAPSTAN_${k.toUpperCase().replaceAll('-', '_')}`,
        v,
      ]),
    );
    const child = startMember(capstanFromSources, this.dir, this.file, m, false, env);
    this.procs.set(m.name, child);
    m.pid = child.pid ?? 0;
    child.once('exit', () => {
      if (this.procs.get(m.name) === child) this.procs.delete(m.name);
    });
    return child;
  }

  /** kill -9: the process dies at once, with no goodbye. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.procs.get(name);
    if (!p) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
    this.clients.get(name)?.close();
    this.clients.delete(name);
  }

  /** SIGSTOP/SIGCONT: the member is cut off without its sockets closing (a partition). */
  pause(name: string): void {
    this.procs.get(name)?.kill('SIGSTOP');
  }

  resume(name: string): void {
    this.procs.get(name)?.kill('SIGCONT');
  }

  restart(name: string): void {
    if (this.procs.has(name)) throw new Error(`${name} is running`);
    this.launch(this.member(name));
  }

  /** Adds a member to the description (for a MemberAdd) with fresh ports; not started. */
  async addMemberSlot(name: string): Promise<LocalMember> {
    const [clientPort, peerPort] = await freePorts(2);
    const m: LocalMember = { name, clientPort: clientPort!, peerPort: peerPort!, pid: 0 };
    this.file.members.push(m);
    return m;
  }

  /** The member every running member agrees leads, once they do. */
  async waitForLeader(timeoutMs = 20_000, among = this.running()): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const seen = await Promise.all(
        among.map(async (n) => {
          try {
            const s = await this.client(n).status({}, 500);
            return { n, id: s.header?.member_id ?? '', leader: s.leader };
          } catch (e) {
            last = `${n}: ${e instanceof Error ? e.message : String(e)}`;
            return undefined;
          }
        }),
      );
      const leaders = new Set(seen.map((s) => s?.leader));
      const leaderId = [...leaders][0];
      if (leaders.size === 1 && leaderId && leaderId !== '0') {
        const leader = seen.find((s) => s?.id === leaderId);
        if (leader) return leader.n;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no agreed leader among ${among.join(', ')} within ${timeoutMs} ms (${last})`);
  }

  async close(): Promise<void> {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    await Promise.all(
      [...this.procs.keys()].map(async (n) => {
        this.resume(n);
        await this.kill(n, 'SIGKILL');
      }),
    );
    if (process.env['CAPSTAN_KEEP_TEST_DIRS']) console.error(`kept ${this.dir}`);
    else await rm(this.dir, { recursive: true, force: true });
  }
}

export function key(s: string): Buffer {
  return Buffer.from(s);
}

export function text(b: Uint8Array | undefined): string {
  return b === undefined ? '' : Buffer.from(b).toString('utf8');
}

/** Retries `fn` until it succeeds or the deadline passes. */
export async function eventually<T>(
  fn: () => Promise<T>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await fn();
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(
    `${what} did not happen within ${timeoutMs} ms: ${last instanceof Error ? last.message : String(last)}`,
  );
}
