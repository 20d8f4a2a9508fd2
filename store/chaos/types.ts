// The shared vocabulary of `capstan chaos` (docs/chaos.md): what a run is
// configured with, what it records while it runs — every client operation
// with its invocation and completion, every fault window, the leader over
// time, every watcher's observations — and what the checks conclude.
//
// The recorder, the workloads, the nemesis, the checkers and the report all
// speak these types, and history.jsonl is these records, one per line, so a
// run can be checked and drawn again from its files alone.
//
// Times are milliseconds since the run started (performance.now() based,
// monotonic). Values in histories are strings (keys and values of the
// workloads are printable by construction) or plain numbers; revisions are
// numbers (a run never gets near 2^53).

import type { WatcherObservation } from '../check/index.js';

export type NemesisKind =
  | 'kill-leader'
  | 'kill-random'
  | 'kill-majority'
  | 'pause-leader'
  | 'pause-random'
  | 'partition-leader'
  | 'partition-half'
  | 'partition-ring'
  | 'one-way-loss'
  | 'latency'
  | 'packet-loss'
  | 'crash-point'
  | 'membership'
  | 'replace-member';

export const nemesisKinds: readonly NemesisKind[] = [
  'kill-leader',
  'kill-random',
  'kill-majority',
  'pause-leader',
  'pause-random',
  'partition-leader',
  'partition-half',
  'partition-ring',
  'one-way-loss',
  'latency',
  'packet-loss',
  'crash-point',
  'membership',
  'replace-member',
];

export type WorkloadKind = 'register' | 'bank' | 'append' | 'watch' | 'mixed';

export const workloadKinds: readonly WorkloadKind[] = [
  'register',
  'bank',
  'append',
  'watch',
  'mixed',
];

export interface ChaosConfig {
  replicas: 3 | 5;
  durationMs: number;
  nemeses: NemesisKind[];
  workload: WorkloadKind;
  clients: number;
  /** Target operations per second over all clients; 0 = as fast as they go. */
  ratePerSecond: number;
  seed: number;
  /** Where the files go; undefined = a temporary directory that is removed. */
  outDir: string | undefined;
  /** Attach to a running cluster instead of starting one (no process faults then). */
  endpoints: string[] | undefined;
  /** Time between faults, and how long each lasts. */
  faultIntervalMs: number;
  faultDurationMs: number;
  /** After healing: how long the cluster gets to recover before the final checks. */
  recoveryMs: number;
  /** Raft timing of the members the run starts. */
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
}

/** How an operation ended, as the client saw it. */
export type Outcome = 'ok' | 'fail' | 'unknown';

/**
 * One client operation. `input`/`output` are the workload's own shapes
 * (register: {f:'get'|'put'|'delete'|'cas', key, value?, expect?}, bank:
 * {f:'transfer'|'read', ...}, append: {f:'append'|'read', key, value?}).
 */
export interface OpRecord {
  type: 'op';
  /** Index of the operation in the history (its id). */
  id: number;
  /** The client (a logical process: it has at most one operation in flight). */
  client: number;
  workload: WorkloadKind;
  input: Record<string, unknown>;
  invokeMs: number;
  /** Undefined while pending; stays undefined for 'unknown' only if the run ended first. */
  completeMs: number | undefined;
  outcome: Outcome | 'pending';
  output?: Record<string, unknown>;
  /** The member that answered (or was asked, for fail/unknown). */
  member?: string;
  /** The header revision of an 'ok' answer. */
  revision?: number;
  /** The error message of 'fail' and 'unknown'. */
  error?: string;
}

/** One fault window: applied at startMs, healed at endMs. */
export interface FaultRecord {
  type: 'fault';
  kind: NemesisKind;
  /** The members it touched (names), e.g. the killed leader or one side of a partition. */
  targets: string[];
  /** Human-readable detail: "m1 m2 | m3", "latency 50ms", "crash before persist". */
  detail: string;
  startMs: number;
  endMs: number | undefined;
}

/** The leader as the run saw it (sampled from Status), for the timeline. */
export interface LeaderSample {
  type: 'leader';
  atMs: number;
  /** Member name, undefined when no member knows a leader. */
  leader: string | undefined;
  term: number;
}

/** A watcher's observations, in the watch validator's shape. */
export interface WatchRecord {
  type: 'watch';
  observation: WatcherObservation;
}

export type HistoryRecord = OpRecord | FaultRecord | LeaderSample | WatchRecord;

/** What one check concluded. */
export interface CheckVerdict {
  /** 'linearizability', 'bank-total', 'append-prefix', 'lost-writes', 'monotonic-revisions', 'convergence', 'watch'. */
  check: string;
  ok: boolean;
  /** For a failure: the first violation, explained in a sentence or two. */
  explanation?: string;
  /** For a linearizability failure: the ids of the smallest failing sub-history found. */
  witness?: number[];
  /** Anything worth a number in the summary (ops checked, events checked, time spent). */
  stats?: Record<string, number>;
}

export interface RunSummary {
  config: ChaosConfig;
  startedAt: string;
  elapsedMs: number;
  ops: { total: number; ok: number; fail: number; unknown: number };
  faults: number;
  verdicts: CheckVerdict[];
  ok: boolean;
}
