// The linearizability checker's public API: the generic checker and the
// key-value model the simulator and the chaos tool check against.

export { checkOperations, DEFAULT_MAX_SEARCH_STEPS } from './linearizability.js';
export type { CheckOptions, CheckResult, Model, Operation } from './linearizability.js';
export { CheckInvariantError, HistoryError } from './errors.js';
export { describeKvOperation, kvModel } from './kv-model.js';
export type { KvInput, KvOperation, KvOutput, KvState } from './kv-model.js';
