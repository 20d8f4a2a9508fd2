// The read side of persistent storage, as the core sees it. The driver writes
// (entries, hard state, snapshots) from each `ready()`; the core only reads.
// `MemoryStorage` is the in-memory implementation; store/backend has the
// durable one. Both pass test/store/raft/storage-conformance.

import type { ConfState, Entry, HardState, Index, Snapshot, Term } from './types.js';

export interface InitialState {
  hardState: HardState;
  confState: ConfState;
}

export interface Storage {
  /** The persisted hard state and the configuration as of the last snapshot. */
  initialState(): InitialState;
  /**
   * Entries in [lo, hi), limited to `maxBytes` (but at least one entry).
   * Throws CompactedError if lo <= the snapshot index, UnavailableError if hi > lastIndex() + 1.
   */
  entries(lo: Index, hi: Index, maxBytes: number): Entry[];
  /** Term of entry `i`, for i in [firstIndex() - 1, lastIndex()]; undefined outside that range. */
  term(i: Index): Term | undefined;
  /** The index of the first entry still in the log (the snapshot index + 1). */
  firstIndex(): Index;
  /** The index of the last entry (the snapshot index if the log is empty). */
  lastIndex(): Index;
  /** The most recent snapshot. May throw SnapshotTemporarilyUnavailableError. */
  snapshot(): Snapshot;
}
