// The register and mixed workloads' verdict: is the history of linearizable
// gets, puts, deletes and compare-and-sets linearizable? store/check's
// Porcupine-style checker decides, per key, with a step budget and a
// deadline so a pathological history ends as 'unknown' instead of hanging
// a run. On a violation the failing key's history is shrunk (shrink.ts) to
// a small sub-history that still fails; its op ids are the verdict's witness.

import { performance } from 'node:perf_hooks';

import { checkOperations, DEFAULT_MAX_SEARCH_STEPS } from '../../check/index.js';
import type { CheckVerdict, HistoryRecord } from '../types.js';
import { opRecords } from './records.js';
import { registerOperations } from './register-history.js';
import { describeRegisterOperation, registerModel } from './register-model.js';
import type { RegisterOperation } from './register-model.js';
import { shrinkLimitsDefault, shrinkNonLinearizable } from './shrink.js';
import type { ShrinkLimits } from './shrink.js';

export interface LinearizabilityOptions {
  /** Search steps over the whole check (about 1 µs each); past it the verdict is 'unknown'. */
  maxSearchSteps?: number;
  /** Wall-clock bound on the search; past it the verdict is 'unknown'. */
  timeoutMs?: number;
  shrink?: Partial<ShrinkLimits>;
}

export const linearizabilityTimeoutMsDefault = 60_000;

/** How many operations of a witness the explanation lists (the witness has them all). */
const EXPLAIN_WITNESS_OPERATIONS_MAX = 8;

export function checkLinearizability(
  history: readonly HistoryRecord[],
  o: LinearizabilityOptions = {},
): CheckVerdict {
  const started = performance.now();
  const operations = registerOperations(opRecords(history, ['register', 'mixed']));
  const result = checkOperations(registerModel, operations, {
    maxSearchSteps: o.maxSearchSteps ?? DEFAULT_MAX_SEARCH_STEPS,
    timeoutMs: o.timeoutMs ?? linearizabilityTimeoutMsDefault,
  });
  const stats = {
    operations: operations.length,
    unknownOutcomes: operations.filter((op) => op.return === Infinity).length,
    keys: registerModel.partition!(operations).length,
    checkMs: Math.round(performance.now() - started),
  };
  if (result.outcome === 'ok') return { check: 'linearizability', ok: true, stats };
  if (result.outcome === 'unknown') {
    return {
      check: 'linearizability',
      ok: false,
      explanation:
        `undecided: the search gave up (${result.reason}); the history is neither shown ` +
        'linearizable nor shown not to be. Shorter key generations (keyGenerationTurns) ' +
        'keep each key’s history small enough to decide.',
      stats,
    };
  }
  const failing = result.operations;
  const shrunk = shrinkNonLinearizable(registerModel, failing, closureOf(failing), {
    ...shrinkLimitsDefault,
    ...o.shrink,
  });
  const witness = shrunk.operations;
  const key = failing[0]!.input.key;
  const listed = witness.slice(0, EXPLAIN_WITNESS_OPERATIONS_MAX).map(describeRegisterOperation);
  const more = witness.length - listed.length;
  return {
    check: 'linearizability',
    ok: false,
    explanation:
      `key ${key}: its ${failing.length} operations have no linearization; ` +
      `a smallest failing sub-history found has ${witness.length}` +
      (shrunk.complete ? '' : ' (shrinking stopped at its budget)') +
      `: ${listed.join('; ')}${more > 0 ? `; and ${more} more` : ''}`,
    witness: [...new Set(witness.map((op) => op.input.id))],
    stats: { ...stats, failingKeyOperations: failing.length, shrinkChecks: shrunk.checks },
  };
}

/**
 * The closure for shrinking one key's history: a kept get or successful cas brings the write of
 * the value it observed (values are unique per key, so there is at most one), transitively.
 */
export function closureOf(
  partition: readonly RegisterOperation[],
): (kept: readonly RegisterOperation[]) => RegisterOperation[] {
  const writerOf = new Map<string, RegisterOperation>();
  for (const op of partition) {
    if (op.input.kind === 'put' || op.input.kind === 'cas') writerOf.set(op.input.value, op);
  }
  const observed = (op: RegisterOperation): string | null => {
    if (op.output?.kind === 'get') return op.output.value;
    const failedCas = op.output?.kind === 'cas' && !op.output.ok;
    return op.input.kind === 'cas' && !failedCas ? op.input.expected : null;
  };
  return (kept) => {
    const out = new Set(kept);
    const queue = [...kept];
    for (let op = queue.pop(); op !== undefined; op = queue.pop()) {
      const value = observed(op);
      const writer = value === null ? undefined : writerOf.get(value);
      if (writer !== undefined && !out.has(writer)) {
        out.add(writer);
        queue.push(writer);
      }
    }
    return [...out];
  };
}
