// The cluster a fault run works on (docs/chaos.md):
//
// - LocalChaosCluster: fresh `capstan store` processes on free loopback
//   ports, every peer link through its own proxy (network.ts), in one
//   directory. The nemesis may kill, pause, restart, wipe and re-add them.
// - AttachedCluster (--endpoints): somebody else's members. Nothing here can
//   touch their processes or their links, so only load and checks run.
//
// Both answer "who is there, where, who leads".

import type { ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, type StatusResult } from '../client/index.js';
import type { ClusterFile, LocalMember } from '../local-cluster/cluster-file.js';
import { freePorts } from '../local-cluster/free-ports.js';
import { startMember, type CapstanCommand } from '../local-cluster/processes.js';
import { crashExitCode, crashPointEnv } from '../server/crash-points.js';
import { peerUrlOverridesEnv } from '../transport/peer-url-overrides.js';
import { LinkNetwork } from './network.js';

/** What one member answered to Status, or why it did not. */
export interface MemberView {
  name: string;
  status?: StatusResult;
  error?: string;
}

export interface ChaosCluster {
  readonly kind: 'local' | 'attached';
  /** Every member the run knows, in a fixed order. */
  names(): string[];
  endpoint(name: string): string;
  /** Status of every member at once, each within `timeoutMs`. */
  views(timeoutMs: number): Promise<MemberView[]>;
  /** Member id → name, as far as answers so far tell. */
  readonly memberNames: ReadonlyMap<bigint, string>;
  close(): Promise<void>;
}

/** How long one Status may take when sampling or looking for the leader. */
export const statusTimeoutMs = 500;

/**
 * Who leads: the leader named at the highest term any member reports (a
 * member still naming an old leader is behind). `names` maps member ids to
 * names, learned from earlier answers (a paused leader does not answer).
 */
export function leaderOf(
  views: readonly MemberView[],
  names: ReadonlyMap<bigint, string>,
): { leader?: string; term: number } {
  let maxTerm = 0;
  let best: { term: number; id: bigint } | undefined;
  for (const v of views) {
    const s = v.status;
    if (!s) continue;
    const term = Number(s.raftTerm);
    maxTerm = Math.max(maxTerm, term);
    if (s.leader !== 0n && (!best || term > best.term)) best = { term, id: s.leader };
  }
  const leader = best && best.term === maxTerm ? names.get(best.id) : undefined;
  return leader === undefined ? { term: maxTerm } : { leader, term: maxTerm };
}

/** One single-endpoint client per member (no failover: we want to hear that member). */
class MemberClients {
  private readonly clients = new Map<string, Client>();
  /** Member id → name, from every Status answer seen (ids change when a member is re-added). */
  readonly ids = new Map<bigint, string>();

  get(name: string, endpoint: string): Client {
    let c = this.clients.get(name);
    if (!c || c.endpoints[0] !== endpoint) {
      c?.close();
      c = new Client({ endpoints: [endpoint], dialTimeoutMs: statusTimeoutMs });
      this.clients.set(name, c);
    }
    return c;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

async function viewsOf(
  names: readonly string[],
  endpointOf: (n: string) => string,
  clients: MemberClients,
  timeoutMs: number,
  skip: (n: string) => string | undefined,
): Promise<MemberView[]> {
  return Promise.all(
    names.map(async (name): Promise<MemberView> => {
      const skipped = skip(name);
      if (skipped !== undefined) return { name, error: skipped };
      const endpoint = endpointOf(name);
      try {
        const status = await clients.get(name, endpoint).status({ endpoint, timeoutMs });
        clients.ids.set(status.header.memberId, name);
        return { name, status };
      } catch (e) {
        return { name, error: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
}

export class AttachedCluster implements ChaosCluster {
  readonly kind = 'attached';
  private readonly clients = new MemberClients();
  private readonly byName: Map<string, string>;

  get memberNames(): ReadonlyMap<bigint, string> {
    return this.clients.ids;
  }

  constructor(endpoints: readonly string[]) {
    this.byName = new Map(endpoints.map((e, i) => [`m${i + 1}`, e.replace(/^https?:\/\//, '')]));
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  endpoint(name: string): string {
    const e = this.byName.get(name);
    if (e === undefined) throw new Error(`no member ${name}`);
    return e;
  }

  views(timeoutMs: number): Promise<MemberView[]> {
    return viewsOf(
      this.names(),
      (n) => this.endpoint(n),
      this.clients,
      timeoutMs,
      () => undefined,
    );
  }

  async close(): Promise<void> {
    this.clients.close();
  }
}

export type MemberState = 'running' | 'paused' | 'stopped' | 'removed';

export interface UnexpectedExit {
  name: string;
  code: number | null;
  signal: string | null;
  atMs: number;
}

export interface LocalClusterOptions {
  dir: string;
  replicas: number;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  /** Small, so that snapshots are taken, sent and installed during a run. */
  snapshotCount: number;
  seed: number;
  command: CapstanCommand;
  /** Milliseconds since the run started (for exit records). */
  now: () => number;
}

/** `capstan` from this source tree: `cmd/capstan.ts` through tsx, or `dist/cmd/capstan.js`. */
export function capstanCommandHere(): CapstanCommand {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(
    new URL(`../../cmd/capstan.${fromSources ? 'ts' : 'js'}`, import.meta.url),
  );
  return { node: process.execPath, args: fromSources ? ['--import', 'tsx', entry] : [entry] };
}

export class LocalChaosCluster implements ChaosCluster {
  readonly kind = 'local';
  private readonly procs = new Map<string, ChildProcess>();
  private readonly state = new Map<string, MemberState>();
  /** Members that joined through MemberAdd: they restart as `existing`, never bootstrap. */
  private readonly joined = new Set<string>();
  /** Exits nobody asked for (a crash point's exit is asked for). */
  readonly unexpectedExits: UnexpectedExit[] = [];
  /** Exits at an armed crash point, by member. */
  readonly crashPointExits: { name: string; atMs: number }[] = [];
  private readonly expecting = new Set<ChildProcess>();
  private readonly armed = new Set<ChildProcess>();
  private readonly clients = new MemberClients();
  private closed = false;

  private constructor(
    private readonly o: LocalClusterOptions,
    readonly file: ClusterFile,
    readonly network: LinkNetwork,
  ) {}

  static async start(o: LocalClusterOptions): Promise<LocalChaosCluster> {
    await mkdir(o.dir, { recursive: true });
    const ports = await freePorts(2 * o.replicas);
    const members: LocalMember[] = Array.from({ length: o.replicas }, (_, i) => ({
      name: `m${i + 1}`,
      clientPort: ports[2 * i]!,
      peerPort: ports[2 * i + 1]!,
      pid: 0,
    }));
    const file: ClusterFile = {
      token: `chaos-${o.seed}-${Date.now()}`,
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      electionTimeoutMs: o.electionTimeoutMs,
      snapshotCount: o.snapshotCount,
      members,
    };
    const network = await LinkNetwork.start(
      new Map(members.map((m) => [m.name, m.peerPort])),
      o.seed,
    );
    const c = new LocalChaosCluster(o, file, network);
    for (const m of members) c.launch(m.name);
    return c;
  }

  get dir(): string {
    return this.o.dir;
  }

  get memberNames(): ReadonlyMap<bigint, string> {
    return this.clients.ids;
  }

  names(): string[] {
    return this.file.members.map((m) => m.name);
  }

  member(name: string): LocalMember {
    const m = this.file.members.find((x) => x.name === name);
    if (!m) throw new Error(`no member ${name}`);
    return m;
  }

  endpoint(name: string): string {
    return `127.0.0.1:${this.member(name).clientPort}`;
  }

  peerUrl(name: string): string {
    return `http://127.0.0.1:${this.member(name).peerPort}`;
  }

  stateOf(name: string): MemberState {
    return this.state.get(name) ?? 'stopped';
  }

  /** Members in the cluster's configuration (not removed), running or not. */
  members(): string[] {
    return this.names().filter((n) => this.stateOf(n) !== 'removed');
  }

  running(): string[] {
    return this.names().filter((n) => this.stateOf(n) === 'running');
  }

  views(timeoutMs: number): Promise<MemberView[]> {
    return viewsOf(
      this.members(),
      (n) => this.endpoint(n),
      this.clients,
      timeoutMs,
      (n) => (this.stateOf(n) === 'running' ? undefined : this.stateOf(n)),
    );
  }

  /** Starts `name`'s process, optionally with a crash point armed (`before-persist:3`). */
  launch(name: string, o: { crashPoint?: string } = {}): void {
    if (this.closed) throw new Error(`the cluster is closed: ${name} is not started`);
    if (this.procs.has(name)) throw new Error(`${name} is already running`);
    const env: Record<string, string> = {
      [peerUrlOverridesEnv]: this.network.overridesFor(name),
    };
    if (this.joined.has(name)) env['CAPSTAN_INITIAL_CLUSTER_STATE'] = 'existing';
    if (o.crashPoint !== undefined) env[crashPointEnv] = o.crashPoint;
    const m = this.member(name);
    // A process group of its own, so a Ctrl-C meant for the runner does not
    // stop members behind its back (the runner stops them); still ref'd,
    // so waiting for its exit keeps the runner alive.
    const child = startMember(this.o.command, this.o.dir, this.file, m, true, env);
    child.ref();
    m.pid = child.pid ?? 0;
    this.procs.set(name, child);
    this.state.set(name, 'running');
    if (o.crashPoint !== undefined) this.armed.add(child);
    child.once('exit', (code, signal) => {
      if (this.procs.get(name) === child) {
        this.procs.delete(name);
        if (this.state.get(name) !== 'removed') this.state.set(name, 'stopped');
      }
      const atMs = this.o.now();
      if (this.armed.has(child) && code === crashExitCode)
        this.crashPointExits.push({ name, atMs });
      else if (!this.expecting.has(child)) this.unexpectedExits.push({ name, code, signal, atMs });
    });
  }

  /** kill -9 (works on a paused process too); resolves once it is gone. */
  async kill(name: string): Promise<void> {
    const p = this.procs.get(name);
    if (!p) return;
    this.expecting.add(p);
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  pause(name: string): void {
    const p = this.procs.get(name);
    if (!p || this.stateOf(name) !== 'running') return;
    p.kill('SIGSTOP');
    this.state.set(name, 'paused');
  }

  resume(name: string): void {
    const p = this.procs.get(name);
    if (!p || this.stateOf(name) !== 'paused') return;
    p.kill('SIGCONT');
    this.state.set(name, 'running');
  }

  /** Resolves once `name`'s process has exited (true), or after `timeoutMs` (false). */
  async waitForExit(name: string, timeoutMs: number): Promise<boolean> {
    const p = this.procs.get(name);
    if (!p) return true;
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      p.once('exit', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** Marks the member's coming exit as asked for (it was removed and stops itself). */
  expectExit(name: string): void {
    const p = this.procs.get(name);
    if (p) this.expecting.add(p);
  }

  markRemoved(name: string): void {
    this.expectExit(name);
    this.state.set(name, 'removed');
  }

  /** Forgets the member's data: its next start joins as a new member (after MemberAdd). */
  async wipe(name: string): Promise<void> {
    if (this.procs.has(name)) throw new Error(`${name} is running: stop it before wiping`);
    await rm(join(this.o.dir, `${name}.capstan`), { recursive: true, force: true });
    this.joined.add(name);
    this.state.set(name, 'stopped');
  }

  /** A client over every member's endpoint, except `without` (for member changes). */
  clientExcept(without: readonly string[]): Client {
    const endpoints = this.members()
      .filter((n) => !without.includes(n))
      .map((n) => this.endpoint(n));
    return new Client({
      endpoints: endpoints.length > 0 ? endpoints : [this.endpoint(without[0]!)],
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clients.close();
    await Promise.all(
      [...this.procs.keys()].map(async (n) => {
        const p = this.procs.get(n);
        if (p && this.stateOf(n) === 'paused') p.kill('SIGCONT');
        await this.kill(n);
      }),
    );
    await this.network.close();
  }
}
