// The checkers' public API: the generic linearizability checker, the
// key-value model the simulator and the chaos tool check against, and the
// watch validator (watch.ts).

export { checkOperations, DEFAULT_MAX_SEARCH_STEPS } from './linearizability.js';
export type { CheckOptions, CheckResult, Model, Operation } from './linearizability.js';
export { CheckInvariantError, HistoryError } from './errors.js';
export { describeKvOperation, kvModel } from './kv-model.js';
export type { KvInput, KvOperation, KvOutput, KvState } from './kv-model.js';
export {
  checkWatches,
  DEFAULT_MAX_WATCH_VIOLATIONS,
  formatWatchReport,
  formatWatchViolation,
} from './watch.js';
export type * from './watch-types.js';
