// Shrinks a non-linearizable (sub-)history to a small one that is still
// non-linearizable: the witness a person reads (and the report draws)
// instead of the thousands of operations of a failing key.
//
// Any subset of a history's operations, with their observed outputs and
// intervals, is itself a history; if it has no linearization, neither has
// the whole (the same argument as Porcupine's partitioning, one operation
// at a time). But dropping the write whose value a read returned would make
// that read "see a value nobody wrote" — non-linearizable, and misleading.
// So every candidate is first closed: the operations it keeps bring along
// the writes of the values they observed (`closure`).
//
// The search is greedy and bounded: the shortest failing prefix (by call
// time), then the latest failing start, then ddmin-style removal of chunks,
// halving the chunk size down to single operations. Each candidate is one
// linearizability check with a small step budget; a check that runs out
// counts as "not shown to fail", so the result is always a history proven
// non-linearizable, just maybe not the smallest.

import { performance } from 'node:perf_hooks';

import { checkOperations } from '../../check/index.js';
import type { Model, Operation } from '../../check/index.js';

export interface ShrinkLimits {
  /** Wall-clock bound on the whole shrink. */
  timeoutMs: number;
  /** Linearizability checks at most. */
  maxChecks: number;
  /** Search steps each check may take before it counts as inconclusive. */
  maxSearchStepsPerCheck: number;
}

export const shrinkLimitsDefault: Readonly<ShrinkLimits> = Object.freeze({
  timeoutMs: 5_000,
  maxChecks: 5_000,
  maxSearchStepsPerCheck: 200_000,
});

export interface ShrinkResult<I, O> {
  operations: Operation<I, O>[];
  checks: number;
  /** False when the budget ran out before the single-operation pass ended. */
  complete: boolean;
}

/**
 * `operations` must be non-linearizable under `model`. `closure(kept)` returns `kept` plus
 * whatever must come along (the writes of observed values), in any order.
 */
export function shrinkNonLinearizable<S, I, O>(
  model: Model<S, I, O>,
  operations: readonly Operation<I, O>[],
  closure: (kept: readonly Operation<I, O>[]) => Operation<I, O>[],
  limits: ShrinkLimits = shrinkLimitsDefault,
): ShrinkResult<I, O> {
  const deadline = performance.now() + limits.timeoutMs;
  let checks = 0;
  const outOfBudget = (): boolean => checks >= limits.maxChecks || performance.now() > deadline;
  /** The closed candidate when it still fails, else undefined. */
  const fails = (kept: readonly Operation<I, O>[]): Operation<I, O>[] | undefined => {
    const closed = byCall(closure(kept));
    checks++;
    const result = checkOperations(model, closed, {
      maxSearchSteps: limits.maxSearchStepsPerCheck,
    });
    return result.outcome === 'illegal' ? closed : undefined;
  };

  let current = byCall(operations);
  // The shortest failing prefix: a violation is usually local, and everything after it noise.
  current = bisect(current.length, (n) => fails(current.slice(0, n)), outOfBudget) ?? current;
  // The latest failing start, likewise.
  const tail = current;
  current = bisect(tail.length, (n) => fails(tail.slice(tail.length - n)), outOfBudget) ?? current;

  for (let chunk = Math.ceil(current.length / 2); chunk >= 1; chunk = Math.floor(chunk / 2)) {
    for (let start = 0; start < current.length;) {
      if (outOfBudget()) return { operations: current, checks, complete: false };
      const candidate = [...current.slice(0, start), ...current.slice(start + chunk)];
      const smaller = candidate.length < current.length ? fails(candidate) : undefined;
      if (smaller !== undefined && smaller.length < current.length) current = smaller;
      else start += chunk;
    }
  }
  return { operations: current, checks, complete: true };
}

/**
 * The smallest n in [1, length] for which `attempt(n)` fails (assuming failures are roughly
 * monotone in n), as the failing candidate; undefined if none is found within the budget.
 */
function bisect<T>(
  length: number,
  attempt: (n: number) => T | undefined,
  outOfBudget: () => boolean,
): T | undefined {
  let lo = 1;
  let hi = length;
  let best: T | undefined;
  while (lo < hi && !outOfBudget()) {
    const mid = Math.floor((lo + hi) / 2);
    const failing = attempt(mid);
    if (failing !== undefined) {
      best = failing;
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return best;
}

function byCall<I, O>(ops: readonly Operation<I, O>[]): Operation<I, O>[] {
  return ops.slice().sort((a, b) => a.call - b.call);
}
