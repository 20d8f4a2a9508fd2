// checkOperations: is a concurrent history linearizable with respect to a
// sequential model? (Herlihy & Wing, 1990.) The history is split by the
// model's `partition` (linearizability is compositional: a history is
// linearizable iff each independent object's sub-history is), each partition
// is searched on its own (search.ts), and the first failing partition is
// reported with an explanation. The algorithm is Porcupine's: Wing & Gong's
// search with Lowe's memoization, refined so that operations whose outcome is
// unknown do not make it exponential (search.ts, memo-cache.ts).

import { HistoryError } from './errors.js';
import { describeWith, explainIllegal } from './explain.js';
import { searchLinearization } from './search.js';
import { DEFAULT_MAX_SEARCH_STEPS, SearchBudget } from './search-budget.js';
import type { CheckOptions, CheckResult, Model, Operation } from './types.js';

export type { CheckOptions, CheckResult, Model, Operation } from './types.js';
export { DEFAULT_MAX_SEARCH_STEPS } from './search-budget.js';

export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult<I, O> {
  const budget = new SearchBudget(
    options.maxSearchSteps ?? DEFAULT_MAX_SEARCH_STEPS,
    options.timeoutMs,
  );
  for (const op of history) validateOperation(model, op);
  const partitions = model.partition ? model.partition(history) : [history.slice()];
  for (let index = 0; index < partitions.length; index++) {
    const operations = sortedByCall(partitions[index]!);
    const outcome = searchLinearization(model, operations, budget);
    if (outcome.kind === 'budget-exhausted') {
      return {
        outcome: 'unknown',
        reason: `${budget.exhaustedReason()}, in partition ${index} of ${partitions.length}`,
      };
    }
    if (outcome.kind === 'illegal') {
      const { longestPrefix, stateAfterPrefix } = outcome;
      return {
        outcome: 'illegal',
        partitionIndex: index,
        explanation: explainIllegal(model, index, operations, longestPrefix, stateAfterPrefix),
        operations,
      };
    }
  }
  return { outcome: 'ok' };
}

/** By call time, ties kept in history order (Array.prototype.sort is stable). */
function sortedByCall<I, O>(operations: readonly Operation<I, O>[]): Operation<I, O>[] {
  return operations.slice().sort((a, b) => a.call - b.call);
}

function validateOperation<S, I, O>(model: Model<S, I, O>, op: Operation<I, O>): void {
  const problem = !Number.isFinite(op.call)
    ? 'its call time must be a finite number'
    : !(op.return >= op.call)
      ? 'it must return no earlier than it is called (Infinity when unknown)'
      : undefined;
  if (problem !== undefined) {
    throw new HistoryError(`malformed operation ${describeWith(model, op)}: ${problem}`);
  }
}
