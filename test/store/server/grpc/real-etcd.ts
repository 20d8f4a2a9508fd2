// Starts a real etcd — a single member, or a cluster — on loopback ports
// picked at run time, in a temporary data directory, to record what real
// etcd answers. `stop()` kills the processes and removes the directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePorts } from '../../../../store/local-cluster/free-ports.js';
import { cleanEnv, etcdctl } from './etcdctl.js';

export interface RealEtcd {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago (the kernel's pick for port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

const readyDeadlineMs = 15_000;

export async function startRealEtcd(etcdBin: string, etcdctlBin: string): Promise<RealEtcd> {
  const dataDir = await mkdtemp(join(tmpdir(), 'capstan-real-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  // etcd reads ETCD_* variables as flags: give it a clean environment.
  const child = spawn(
    etcdBin,
    [
      '--name=capstan-test',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=capstan-test=${peerUrl}`,
      '--logger=zap',
      '--log-level=error',
    ],
    { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  };

  const endpoint = `127.0.0.1:${clientPort}`;
  const deadline = Date.now() + readyDeadlineMs;
  for (;;) {
    const probe = await etcdctl(etcdctlBin, endpoint, ['endpoint', 'health']);
    if (probe.exitCode === 0) return { endpoint, stop };
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`real etcd did not become healthy:\n${log}${probe.stderr}`);
    }
    await delay(100);
  }
}

/** One member of a RealEtcdCluster. */
export interface RealEtcdMember {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** host:port, as etcdctl's --endpoints takes it. */
  readonly endpoint: string;
  readonly peerUrl: string;
  readonly clientUrl: string;
}

export interface RealEtcdClusterOptions {
  /** Names of the initial members, e.g. m1, m2, m3. */
  names: readonly string[];
  /** More flags for every member, e.g. --max-request-bytes=1048576. */
  flags?: readonly string[];
  heartbeatIntervalMs?: number;
  electionTimeoutMs?: number;
}

/**
 * A real etcd cluster of one or more members on loopback ports picked at
 * run time, in one temporary directory, with a clean environment (etcd
 * reads ETCD_* variables as flags). Members added with `addMemberSlot` are
 * started with --initial-cluster-state=existing. `stop()` kills every
 * process and removes the directory.
 */
export class RealEtcdCluster {
  readonly members: RealEtcdMember[] = [];
  private readonly procs = new Map<string, ChildProcess>();
  private readonly logs = new Map<string, string>();
  private readonly token = `capstan-compat-${process.pid}-${Date.now()}`;

  private constructor(
    private readonly etcdBin: string,
    private readonly etcdctlBin: string,
    readonly dir: string,
    private readonly o: RealEtcdClusterOptions,
  ) {}

  static async start(
    etcdBin: string,
    etcdctlBin: string,
    o: RealEtcdClusterOptions,
  ): Promise<RealEtcdCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'capstan-real-etcd-'));
    const c = new RealEtcdCluster(etcdBin, etcdctlBin, dir, o);
    try {
      for (const name of o.names) await c.addMemberSlot(name);
      for (const name of o.names) c.launch(name, 'new');
      await c.waitHealthy(o.names);
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  member(name: string): RealEtcdMember {
    const m = this.members.find((x) => x.name === name);
    if (m === undefined) throw new Error(`no etcd member ${name}`);
    return m;
  }

  /** Ports for a member that is about to be added (MemberAdd); not started. */
  async addMemberSlot(name: string): Promise<RealEtcdMember> {
    const [clientPort, peerPort] = await freePorts(2);
    const m: RealEtcdMember = {
      name,
      clientPort: clientPort!,
      peerPort: peerPort!,
      endpoint: `127.0.0.1:${clientPort}`,
      peerUrl: `http://127.0.0.1:${peerPort}`,
      clientUrl: `http://127.0.0.1:${clientPort}`,
    };
    this.members.push(m);
    return m;
  }

  /**
   * Starts a member; `initialCluster` lists the members the cluster has
   * when it joins (default: every slot).
   */
  launch(
    name: string,
    state: 'new' | 'existing',
    initialCluster: readonly string[] = this.members.map((m) => m.name),
  ): ChildProcess {
    const m = this.member(name);
    const cluster = initialCluster.map((n) => `${n}=${this.member(n).peerUrl}`).join(',');
    const child = spawn(
      this.etcdBin,
      [
        `--name=${name}`,
        `--data-dir=${join(this.dir, `${name}.etcd`)}`,
        `--listen-client-urls=${m.clientUrl}`,
        `--advertise-client-urls=${m.clientUrl}`,
        `--listen-peer-urls=${m.peerUrl}`,
        `--initial-advertise-peer-urls=${m.peerUrl}`,
        `--initial-cluster=${cluster}`,
        `--initial-cluster-token=${this.token}`,
        `--initial-cluster-state=${state}`,
        `--heartbeat-interval=${this.o.heartbeatIntervalMs ?? 100}`,
        `--election-timeout=${this.o.electionTimeoutMs ?? 1000}`,
        '--logger=zap',
        '--log-level=error',
        ...(this.o.flags ?? []),
      ],
      { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.logs.set(name, '');
    child.stderr.on('data', (chunk: Buffer) =>
      this.logs.set(name, (this.logs.get(name) ?? '') + chunk.toString()),
    );
    this.procs.set(name, child);
    child.once('exit', () => {
      if (this.procs.get(name) === child) this.procs.delete(name);
    });
    return child;
  }

  running(): string[] {
    return [...this.procs.keys()];
  }

  /** Resolves once every named member answers `endpoint health`. */
  async waitHealthy(names: readonly string[], deadlineMs = readyDeadlineMs): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (const name of names) {
      for (;;) {
        const probe = await etcdctl(this.etcdctlBin, this.member(name).endpoint, [
          'endpoint',
          'health',
        ]);
        if (probe.exitCode === 0) break;
        if (Date.now() > deadline || !this.procs.has(name)) {
          throw new Error(
            `real etcd ${name} did not become healthy:\n${this.logs.get(name) ?? ''}${probe.stderr}`,
          );
        }
        await delay(100);
      }
    }
  }

  async kill(name: string): Promise<void> {
    const p = this.procs.get(name);
    if (p === undefined) return;
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await Promise.all(this.running().map((n) => this.kill(n)));
    await rm(this.dir, { recursive: true, force: true });
  }
}
