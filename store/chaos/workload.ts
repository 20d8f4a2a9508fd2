// The contract between the chaos runner and a workload: the runner owns the
// cluster, the faults, the clock and the recorder; a workload owns what its
// clients do and how their history is judged.

import type { Client } from '../client/index.js';
import type { CheckVerdict, HistoryRecord, OpRecord, WorkloadKind } from './types.js';

/** Records operations as they are invoked and completed (the runner writes them out). */
export interface Recorder {
  /** Milliseconds since the run started. */
  now(): number;
  /** A new pending operation of `client`; complete it exactly once. */
  invoke(client: number, input: Record<string, unknown>): OpRecord;
  complete(
    op: OpRecord,
    outcome: 'ok' | 'fail' | 'unknown',
    result: {
      output?: Record<string, unknown>;
      member?: string;
      revision?: number;
      error?: string;
    },
  ): void;
  /** Any other record (a watcher's observation when it ends). */
  record(r: HistoryRecord): void;
}

export interface WorkloadContext {
  /** One client per logical process, each on its own endpoint order (so they spread over members). */
  clients: Client[];
  recorder: Recorder;
  /** Aborted when the load phase ends: clients stop issuing new operations. */
  signal: AbortSignal;
  /** Deterministic randomness for this workload (seeded from --seed). */
  random: () => number;
  /** Pause between operations of one client to meet --rate; 0 = none. */
  pauseMs: number;
  /** Milliseconds after which an operation counts as outcome-unknown. */
  opTimeoutMs: number;
}

export interface FinalContext {
  /** A client over every member, after healing and recovery. */
  client: Client;
  /** Every record of the run, in order. */
  history: readonly HistoryRecord[];
}

export interface Workload {
  readonly kind: WorkloadKind;
  /** Creates the keys the workload needs (e.g. bank accounts); recorded like any operation. */
  setup(ctx: WorkloadContext): Promise<void>;
  /** Runs client `index` until ctx.signal aborts; every operation goes through ctx.recorder. */
  runClient(index: number, ctx: WorkloadContext): Promise<void>;
  /** After the faults are healed: final reads (recorded) and the workload's own verdicts. */
  check(ctx: FinalContext): Promise<CheckVerdict[]>;
}
