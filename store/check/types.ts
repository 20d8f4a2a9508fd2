// The vocabulary of the linearizability checker: a history is a list of
// operations, each an interval [call, return] with an input and an observed
// output, and a model is the sequential specification they must agree with.

export interface Operation<I, O> {
  clientId: number;
  input: I;
  /** Time the call was issued (any monotonic number: simulator ticks, or ns). */
  call: number;
  /** The observed output; `undefined` when the outcome is unknown (the client timed out). */
  output: O | undefined;
  /**
   * Time the response arrived; `Infinity` when unknown. An operation with an infinite return is
   * never required to take effect: it may be linearized anywhere after its call, or not at all.
   */
  return: number;
}

export interface Model<S, I, O> {
  init(): S;
  /**
   * Applies `input` to `state`. With a known output, `ok` says whether that output is what the model
   * would produce; with `output === undefined` (unknown), any outcome is acceptable (ok: true), and
   * the state is the one the operation would produce if it took effect.
   */
  step(state: S, input: I, output: O | undefined): { ok: boolean; state: S };
  /** A string key identifying a state, for the memoization cache. Equal states, equal keys. */
  hash(state: S): string;
  /** Splits a history into independent sub-histories (e.g. per key). Optional. */
  partition?(history: readonly Operation<I, O>[]): Operation<I, O>[][];
  describeOperation?(op: Operation<I, O>): string;
}

export type CheckResult<I, O> =
  | { outcome: 'ok' }
  | {
      outcome: 'illegal';
      /** Index, in the model's `partition` output, of the sub-history with no linearization. */
      partitionIndex: number;
      /** Why: the longest partial linearization found and the operations that cannot follow it. */
      explanation: string;
      /** The operations of the failing partition, sorted by call; the explanation's `#n` index here. */
      operations: Operation<I, O>[];
    }
  | { outcome: 'unknown'; reason: string };

export interface CheckOptions {
  /**
   * Upper bound on search steps across the whole check; past it the result is 'unknown'. A step is
   * one visit of one event of the history or one undone choice, so the bound makes a check's cost
   * (and verdict) deterministic. Default: `DEFAULT_MAX_SEARCH_STEPS`.
   */
  maxSearchSteps?: number;
  /**
   * Wall-clock bound on the whole check, in milliseconds; past it the result is 'unknown'. Unset
   * means no deadline (only `maxSearchSteps` applies), which keeps a check reproducible: a
   * deadline's verdict depends on the machine, so the deterministic simulator leaves it unset.
   */
  timeoutMs?: number;
}
