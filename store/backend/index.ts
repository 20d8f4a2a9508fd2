// The raft log backend's public surface.
export { RaftLogStore, type RaftLogStoreOptions, type BackendCounters } from './raft-log-store.js';
export type { SaveInput } from './save-plan.js';
export type { Identity } from './records.js';
export type { BackendLogger } from './load-log.js';
export type { Truncation } from './entry-scan.js';
export { BackendCorruptionError, BackendFailedError, BackendClosedError } from './errors.js';
