// The public surface of store/mvcc.
export type {
  Backend,
  BackendEntry,
  BackendIterator,
  BatchOp,
  KeyRange,
  WriteOptions,
} from './backend.js';
export { LevelBackend } from './level-backend.js';
export { MemoryBackend } from './memory-backend.js';
export { type Command, decodeCommand, encodeCommand, parseCommand } from './command.js';
export {
  validateCommand,
  validateCompaction,
  validateDeleteRange,
  validateLeaseGrant,
  validatePut,
  validateRange,
  validateTxn,
} from './validate.js';
export {
  AlreadyAppliedError,
  type ApplyError,
  isApplyError,
  MalformedCommandError,
  MvccCorruptionError,
  MvccError,
  SnapshotInvalidError,
} from './errors.js';
export {
  type ApplyEntry,
  type ApplyResult,
  type CommandResponse,
  MvccStore,
  type MvccListener,
  type MvccOptions,
} from './kv-store.js';
export type { HistoryPage } from './history.js';
export { type Lease, type LeaseChange, type LeaseCheckpoint, LeaseTable } from './lease-table.js';
export { tombstoneKv } from './kv-state.js';
export { anyLease, type LeaseLookup, noLeases } from './leases.js';
export type * from './types.js';
