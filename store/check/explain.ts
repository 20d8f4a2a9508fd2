// Turns a failed search into prose a person can act on: how far the search
// got (one of the longest orders the model accepted), the state it reached,
// and the operations that were free to come next, each marked with whether the
// model rejects it in that state. The operation at fault is almost always
// among the rejected ones.

import type { Model, Operation } from './types.js';

/** Past this many operations, the partial linearization is shown by its last ones only. */
const EXPLAIN_PREFIX_TAIL_OPERATIONS = 20;
/** Past this many operations, the partition itself is not listed (it is in `operations`). */
const EXPLAIN_FULL_LISTING_MAX_OPERATIONS = 50;

export function describeWith<S, I, O>(model: Model<S, I, O>, op: Operation<I, O>): string {
  if (model.describeOperation) return model.describeOperation(op);
  const output = op.output === undefined ? 'unknown' : JSON.stringify(op.output);
  return `client ${op.clientId}: ${JSON.stringify(op.input)} = ${output}  [${op.call}, ${op.return}]`;
}

/**
 * `operations` are the failing partition sorted by call; `prefix` indexes into them, in the order
 * the model accepted them, ending in `stateAfterPrefix`.
 */
export function explainIllegal<S, I, O>(
  model: Model<S, I, O>,
  partitionIndex: number,
  operations: readonly Operation<I, O>[],
  prefix: readonly number[],
  stateAfterPrefix: S,
): string {
  const line = (op: number): string => `  #${op} ${describeWith(model, operations[op]!)}`;
  const lines = [
    `partition ${partitionIndex}: no linearization of its ${operations.length} operations exists.`,
  ];
  if (operations.length <= EXPLAIN_FULL_LISTING_MAX_OPERATIONS) {
    lines.push('operations, by call time:', ...operations.map((_, i) => line(i)));
  }
  const shown = prefix.slice(-EXPLAIN_PREFIX_TAIL_OPERATIONS);
  const hidden = prefix.length - shown.length;
  lines.push(
    `one of the longest orders the model accepts covers ${prefix.length} operations` +
      (hidden > 0 ? ` (the first ${hidden} not shown):` : ':'),
    ...shown.map(line),
    `state after it: ${model.hash(stateAfterPrefix)}`,
  );
  const next = nextCandidates(operations, prefix);
  lines.push(
    next.length === 0
      ? 'no operation may come next'
      : 'the operations that may come next, none of which leads to a full linearization:',
    ...next.map((op) => {
      const { input, output } = operations[op]!;
      const accepted = model.step(stateAfterPrefix, input, output).ok;
      return `${line(op)}  <- ${accepted ? 'accepted here, but no order completes after it' : 'rejected in this state'}`;
    }),
  );
  return lines.join('\n');
}

/**
 * Operations outside `prefix` that real-time order allows next: every operation that returned
 * strictly before one's call is already in the prefix.
 */
function nextCandidates<I, O>(operations: readonly Operation<I, O>[], prefix: readonly number[]) {
  const done = new Set(prefix);
  let earliestPendingReturn = Infinity;
  for (let i = 0; i < operations.length; i++) {
    if (!done.has(i)) {
      earliestPendingReturn = Math.min(earliestPendingReturn, operations[i]!.return);
    }
  }
  const next: number[] = [];
  for (let i = 0; i < operations.length; i++) {
    if (!done.has(i) && operations[i]!.call <= earliestPendingReturn) next.push(i);
  }
  return next;
}
