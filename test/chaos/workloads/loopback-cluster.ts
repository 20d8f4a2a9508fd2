// Real `capstan store` processes on loopback ports for the workload tests.
// Unlike TestCluster, the fixture exists before any member starts, so a
// cluster that fails to elect a leader (a loaded machine) is still stopped
// and its directory removed by close(): nothing is left behind.

import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from '../../../store/client/index.js';
import type { ClusterFile } from '../../../store/local-cluster/cluster-file.js';
import { freePorts } from '../../../store/local-cluster/free-ports.js';
import { startMember } from '../../../store/local-cluster/processes.js';
import { capstanFromSources } from '../../integration/harness.js';

const statusTimeoutMs = 500;
const leaderPollMs = 100;

export class LoopbackCluster {
  private readonly procs = new Map<string, ChildProcess>();

  private constructor(
    readonly dir: string,
    readonly file: ClusterFile,
  ) {}

  /** The description and directory of a cluster; start() launches it. */
  static async create(replicas: number): Promise<LoopbackCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'capstan-chaos-wl-'));
    const ports = await freePorts(2 * replicas);
    const file: ClusterFile = {
      token: `chaos-wl-${Date.now()}`,
      heartbeatIntervalMs: 50,
      electionTimeoutMs: 500,
      members: Array.from({ length: replicas }, (_, i) => ({
        name: `m${i + 1}`,
        clientPort: ports[2 * i]!,
        peerPort: ports[2 * i + 1]!,
        pid: 0,
      })),
    };
    return new LoopbackCluster(dir, file);
  }

  names(): string[] {
    return this.file.members.map((m) => m.name);
  }

  endpoint(name: string): string {
    const m = this.file.members.find((x) => x.name === name);
    if (m === undefined) throw new Error(`no member ${name}`);
    return `127.0.0.1:${m.clientPort}`;
  }

  endpoints(): string[] {
    return this.names().map((n) => this.endpoint(n));
  }

  start(name?: string): void {
    for (const m of this.file.members) {
      if ((name !== undefined && m.name !== name) || this.procs.has(m.name)) continue;
      const child = startMember(capstanFromSources, this.dir, this.file, m, false);
      this.procs.set(m.name, child);
      child.once('exit', () => {
        if (this.procs.get(m.name) === child) this.procs.delete(m.name);
      });
    }
  }

  /** kill -9, and wait for the exit. */
  async kill(name: string): Promise<void> {
    const p = this.procs.get(name);
    if (p === undefined) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  /** Waits until every running member names the same leader. */
  async waitForLeader(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const running = [...this.procs.keys()];
    const clients = running.map((n) => new Client({ endpoints: [this.endpoint(n)] }));
    try {
      while (Date.now() < deadline) {
        const leaders = await Promise.all(
          clients.map((c) =>
            c.status({ endpoint: c.endpoints[0]!, timeoutMs: statusTimeoutMs }).then(
              (s) => s.leader,
              () => 0n,
            ),
          ),
        );
        if (leaders[0] !== 0n && leaders.every((l) => l === leaders[0])) return;
        await new Promise((r) => setTimeout(r, leaderPollMs));
      }
      throw new Error(`no agreed leader among ${running.join(', ')} within ${timeoutMs} ms`);
    } finally {
      for (const c of clients) c.close();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.names().map((n) => this.kill(n)));
    await rm(this.dir, { recursive: true, force: true });
  }
}
