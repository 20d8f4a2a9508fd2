// A compat session: a list of steps — etcdctl invocations, and a few direct
// gRPC calls for what etcdctl 3.4 cannot send — run one after the other
// against one target. The same list runs against real etcd and against
// capstan; what each step printed is recorded raw and compared after
// normalization (normalize.ts).
//
// Steps refer to members by name (m1, m2, …) and to values learned during
// the session (member ids) through functions of the Session, so one script
// serves both targets.

import * as grpc from '@grpc/grpc-js';
import { setTimeout as delay } from 'node:timers/promises';
import { etcdClient, type EtcdClient } from '../../store/client/etcd-client.js';
import { EtcdError } from '../../store/errors.js';
import { clientProtos } from '../../store/server/grpc/protos.js';
import { etcdctl, type RunResult } from '../store/server/grpc/etcdctl.js';
import type { CompatTarget } from './targets.js';

export type Arg = string | ((s: Session) => string);

type UnaryFn = (
  req: object,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => void;

export interface CtlStep {
  readonly kind: 'ctl';
  /** The member(s) whose client endpoints the command talks to (default m1). */
  readonly at?: string | readonly string[];
  readonly args: readonly Arg[];
  readonly stdin?: string | ((s: Session) => string | Uint8Array);
  /**
   * The output lists rows in no order the comparison should see: 'any'
   * (e.g. concurrent health checks), or 'by-id' (member lists: etcd sorts
   * them by member id, which is random, so the check is that the ids
   * ascend, not which names come first).
   */
  readonly rows?: 'any' | 'by-id';
  /** Runs first; not compared (waits for a condition). */
  readonly before?: (s: Session) => Promise<void>;
  /** Runs after the command with its result; not compared (captures, checks, process control). */
  readonly after?: (s: Session, out: RunResult) => Promise<void> | void;
  /** Re-runs the command while it fails, up to this long (a promote racing a learner's catch-up). */
  readonly retryMs?: number;
  /** A line recorded with the output and compared like it (e.g. what a file written looks like). */
  readonly note?: (s: Session, out: RunResult) => Promise<string> | string;
  /** Why capstan cannot match etcd here yet: the comparison still runs, reported as a TODO. */
  readonly knownDifference?: string;
}

export interface GrpcStep {
  readonly kind: 'grpc';
  readonly title: string;
  readonly at?: string;
  readonly before?: (s: Session) => Promise<void>;
  readonly knownDifference?: string;
  /** The answer (any JSON-able value) or a thrown gRPC error; both are recorded. */
  readonly call: (s: Session, client: EtcdClient) => Promise<unknown>;
}

export type Step = CtlStep | GrpcStep;

/** An etcdctl step: `ctl('get', 'foo', '--prefix')`. */
export function ctl(...args: Arg[]): CtlStep {
  return { kind: 'ctl', args };
}

/** An etcdctl step with options: `ctlWith({ stdin: '…' }, 'txn')`. */
export function ctlWith(o: Omit<CtlStep, 'kind' | 'args'>, ...args: Arg[]): CtlStep {
  return { kind: 'ctl', ...o, args };
}

export function grpcStep(
  title: string,
  call: GrpcStep['call'],
  o: Omit<GrpcStep, 'kind' | 'title' | 'call'> = {},
): GrpcStep {
  return { kind: 'grpc', title, call, ...o };
}

export interface CtlRecord {
  readonly kind: 'ctl';
  readonly args: readonly string[];
  readonly rows: CtlStep['rows'];
  readonly result: RunResult;
  readonly note?: string;
  readonly knownDifference?: string;
  /** What went to standard input, shortened for a title. */
  readonly stdinSummary?: string;
}

export interface GrpcRecord {
  readonly kind: 'grpc';
  readonly title: string;
  readonly answer: unknown;
  readonly error?: { code: number; details: string };
  readonly knownDifference?: string;
}

export type StepRecord = CtlRecord | GrpcRecord;

/** What steps may use while the session runs. */
export class Session {
  /** Member ids (uint64, hex as etcdctl prints them) by member name. */
  readonly ids = new Map<string, bigint>();
  clusterId = 0n;
  /** Values steps remember for later steps (e.g. a revision). */
  readonly vars = new Map<string, number>();
  private readonly clients = new Map<string, EtcdClient>();
  private readonly maintenanceClients = new Map<string, grpc.Client>();

  constructor(
    readonly target: CompatTarget,
    readonly etcdctlBin: string,
  ) {}

  endpoint(name: string): string {
    return this.target.endpoint(name);
  }

  /** A member's id in hex, as etcdctl takes and prints it. */
  hexId(name: string): string {
    const id = this.ids.get(name);
    if (id === undefined) throw new Error(`no id known for member ${name}`);
    return id.toString(16);
  }

  client(name: string): EtcdClient {
    let c = this.clients.get(name);
    if (c === undefined) {
      c = etcdClient(this.endpoint(name));
      this.clients.set(name, c);
    }
    return c;
  }

  /** A Maintenance call the typed client does not offer (Alarm, Defragment). */
  maintenance(name: string, method: 'Alarm' | 'Defragment', req: object): Promise<unknown> {
    let c = this.maintenanceClients.get(name);
    if (c === undefined) {
      const Maintenance = clientProtos().clients.Maintenance;
      c = new Maintenance(this.endpoint(name), grpc.credentials.createInsecure());
      this.maintenanceClients.set(name, c);
    }
    const fn = (c as unknown as Record<string, UnaryFn>)[method]!;
    return new Promise((resolve, reject) =>
      fn.call(c, req, { deadline: Date.now() + 5000 }, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );
  }

  /** Learns the id of a member just added from `member add`'s output. */
  learnAddedId(name: string, stdout: string): void {
    const m = /^Member\s+([0-9a-f]+) added to cluster/m.exec(stdout);
    if (m) this.ids.set(name, BigInt(`0x${m[1]}`));
  }

  /** etcdctl against one member, or several (--endpoints=a,b,c). */
  ctl(
    at: string | readonly string[],
    args: string[],
    stdin?: string | Uint8Array,
  ): Promise<RunResult> {
    const names = typeof at === 'string' ? [at] : at;
    const endpoints = names.map((n) => this.endpoint(n)).join(',');
    return etcdctl(this.etcdctlBin, endpoints, args, stdin);
  }

  /** Learns the cluster id and every named member's id from the member list. */
  async learnIds(at = 'm1'): Promise<void> {
    const list = await this.client(at).memberList({});
    this.clusterId = BigInt(list.header?.cluster_id ?? '0');
    for (const m of list.members) if (m.name !== '') this.ids.set(m.name, BigInt(m.ID));
  }

  /**
   * Waits until every given member has published its name and client URLs
   * (a member of the initial cluster is listed under its name before that,
   * without client URLs).
   */
  async waitPublished(
    names: readonly string[],
    on: readonly string[] = ['m1'],
    timeoutMs = 15_000,
  ): Promise<void> {
    await until(
      async () => {
        const lists = await Promise.all(on.map((n) => this.client(n).memberList({}, 1000)));
        return lists.every((list) => {
          const published = new Set(
            list.members.filter((m) => m.clientURLs.length > 0).map((m) => m.name),
          );
          return names.every((n) => published.has(n));
        });
      },
      timeoutMs,
      `members ${names.join(', ')} published`,
    );
  }

  /** The name of the member every given member names as leader, once they agree. */
  async waitLeader(names: readonly string[], timeoutMs = 15_000): Promise<string> {
    let leader = '';
    await until(
      async () => {
        const seen = await Promise.all(names.map((n) => this.client(n).status({}, 1000)));
        const leaders = new Set(seen.map((st) => st.leader));
        if (leaders.size !== 1) return false;
        const id = BigInt([...leaders][0]!);
        leader = [...this.ids].find(([, v]) => v === id)?.[0] ?? '';
        return leader !== '';
      },
      timeoutMs,
      'an agreed leader',
    );
    return leader;
  }

  /** Moves leadership to `name` (if it is not there yet) and waits until everyone agrees. */
  async makeLeader(name: string, among: readonly string[]): Promise<void> {
    const now = await this.waitLeader(among);
    if (now === name) return;
    await this.client(now).moveLeader({ targetID: this.ids.get(name)!.toString() }, 10_000);
    await until(async () => (await this.waitLeader(among)) === name, 10_000, `${name} leading`);
  }

  /** Waits until a member knows it has been promoted (it applied the change). */
  async waitVoter(name: string, timeoutMs = 10_000): Promise<void> {
    await until(
      async () => !(await this.client(name).status({}, 1000)).isLearner,
      timeoutMs,
      `${name} a voter`,
    );
  }

  /** Waits until every given member reports the same store revision. */
  async waitSameRevision(names: readonly string[], timeoutMs = 10_000): Promise<void> {
    await until(
      async () => {
        const seen = await Promise.all(names.map((n) => this.client(n).status({}, 1000)));
        return new Set(seen.map((st) => st.header?.revision)).size === 1;
      },
      timeoutMs,
      `${names.join(', ')} at the same revision`,
    );
  }

  /** A note for the end of a session: which member processes still run (none may crash). */
  runningNote(): string {
    return `running: ${this.target.running().sort().join(', ')}`;
  }

  /** Waits until a learner has applied everything the leader has committed. */
  async waitCaughtUp(learner: string, leader: string, timeoutMs = 15_000): Promise<void> {
    await until(
      async () => {
        const l = await this.client(leader).status({}, 1000);
        const s = await this.client(learner).status({}, 1000);
        return BigInt(s.raftAppliedIndex) >= BigInt(l.raftIndex);
      },
      timeoutMs,
      `${learner} catching up with ${leader}`,
    );
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    for (const c of this.maintenanceClients.values()) c.close();
    this.maintenanceClients.clear();
  }
}

/** Polls `ok` until it returns true (errors count as false) or the deadline passes. */
export async function until(
  ok: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await ok()) return;
    } catch (e) {
      last = e;
    }
    await delay(50);
  }
  const why = last instanceof Error ? ` (${last.message})` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
}

/** Standard input as a title shows it: short text inline, long input by its size. */
function summarize(stdin: string | Uint8Array): string {
  const maxChars = 72;
  if (typeof stdin !== 'string' || stdin.length > 4 * maxChars) return `(${stdin.length} bytes)`;
  const oneLine = stdin.replace(/\n+$/, '').replaceAll('\n', ' ⏎ ');
  return oneLine.length > maxChars ? `${oneLine.slice(0, maxChars - 1)}…` : oneLine;
}

function resolveArg(s: Session, a: Arg): string {
  return typeof a === 'string' ? a : a(s);
}

async function runCtl(s: Session, step: CtlStep): Promise<CtlRecord> {
  await step.before?.(s);
  const args = step.args.map((a) => resolveArg(s, a));
  const stdin = typeof step.stdin === 'function' ? step.stdin(s) : step.stdin;
  const at = step.at ?? 'm1';
  const deadline = Date.now() + (step.retryMs ?? 0);
  let result = await s.ctl(at, args, stdin);
  while (result.exitCode !== 0 && Date.now() < deadline) {
    await delay(100);
    result = await s.ctl(at, args, stdin);
  }
  const note = await step.note?.(s, result);
  await step.after?.(s, result);
  return {
    kind: 'ctl',
    args,
    rows: step.rows,
    result,
    ...(stdin !== undefined ? { stdinSummary: summarize(stdin) } : {}),
    ...(note !== undefined ? { note } : {}),
    ...(step.knownDifference !== undefined ? { knownDifference: step.knownDifference } : {}),
  };
}

async function runGrpc(s: Session, step: GrpcStep): Promise<GrpcRecord> {
  await step.before?.(s);
  const known = step.knownDifference !== undefined ? { knownDifference: step.knownDifference } : {};
  const base = { kind: 'grpc', title: step.title, ...known } as const;
  try {
    return { ...base, answer: await step.call(s, s.client(step.at ?? 'm1')) };
  } catch (e) {
    // The typed client turns etcd's errors into EtcdError (grpcCode + message).
    if (e instanceof EtcdError) {
      return { ...base, answer: undefined, error: { code: e.grpcCode, details: e.message } };
    }
    const err = e as Partial<grpc.ServiceError>;
    if (typeof err.code !== 'number') throw e;
    return { ...base, answer: undefined, error: { code: err.code, details: err.details ?? '' } };
  }
}

/** Runs every step in order; a step that cannot run at all (not a failed command) throws. */
export async function runSession(s: Session, steps: readonly Step[]): Promise<StepRecord[]> {
  const out: StepRecord[] = [];
  for (const step of steps)
    out.push(step.kind === 'ctl' ? await runCtl(s, step) : await runGrpc(s, step));
  return out;
}
