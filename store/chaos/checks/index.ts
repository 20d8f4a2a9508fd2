// The checks of `capstan chaos`: pure functions of the recorded history (and,
// for convergence and watches, of what the run read back at the end). Each
// returns CheckVerdicts; `checkRecorded` runs every check a workload's
// history alone can decide, so a run can be judged again from its
// history.jsonl.

import type { CheckVerdict, HistoryRecord, WorkloadKind } from '../types.js';
import { checkAppend } from './append.js';
import { checkBank } from './bank.js';
import { checkLinearizability } from './linearizability.js';
import type { LinearizabilityOptions } from './linearizability.js';
import { checkMonotonicRevisions } from './monotonic-revisions.js';
import { checkReadRevisions } from './read-revisions.js';
import { checkRegisterLostWrites } from './register-lost-writes.js';

export { checkAppend } from './append.js';
export { checkBank } from './bank.js';
export { checkConvergence, type MemberHash } from './convergence.js';
export {
  checkLinearizability,
  closureOf,
  linearizabilityTimeoutMsDefault,
  type LinearizabilityOptions,
} from './linearizability.js';
export { checkMonotonicRevisions } from './monotonic-revisions.js';
export { checkReadRevisions } from './read-revisions.js';
export { checkRegisterLostWrites } from './register-lost-writes.js';
export { registerOperations } from './register-history.js';
export {
  describeRegisterOperation,
  registerModel,
  type RegisterModelInput,
  type RegisterModelOutput,
  type RegisterOperation,
} from './register-model.js';
export { shrinkLimitsDefault, shrinkNonLinearizable, type ShrinkLimits } from './shrink.js';
export { checkWatchLostWrites, checkWatchVerdict } from './watch.js';
export { describeOp, opRecords } from './records.js';
export type * from './shapes.js';
export { appendSeparator, parseList } from './shapes.js';

/**
 * Every verdict the history alone decides for `kind` (convergence, and the watch workload's
 * watch and lost-writes verdicts, also need what the run read back at the end).
 */
export function checkRecorded(
  kind: WorkloadKind,
  history: readonly HistoryRecord[],
  o: { linearizability?: LinearizabilityOptions } = {},
): CheckVerdict[] {
  const monotonic = checkMonotonicRevisions(history);
  switch (kind) {
    case 'register':
    case 'mixed':
      return [
        checkLinearizability(history, o.linearizability),
        checkReadRevisions(history),
        checkRegisterLostWrites(history),
        monotonic,
      ];
    case 'bank':
      return [...checkBank(history), monotonic];
    case 'append':
      return [...checkAppend(history), monotonic];
    case 'watch':
      return [monotonic];
  }
}
