// Limits of the mvcc state machine's own, next to the code that uses them
// (the store-wide ones, such as maxTxnOps, live in store/limits.ts).

export const mvccLimits = {
  /** Revisions removed from the backend per batch by a physical compaction (etcd: 1000). */
  compactionBatchRevisions: 10_000,
  /** Operations in one backend write when queued batches are merged (one batch may exceed it). */
  mergedBatchOps: 10_000,
  /** Entries fetched per step when scanning the backend. */
  scanBatchEntries: 1000,
  /** Bytes of staged snapshot data written per backend batch while installing a snapshot. */
  installBatchBytes: 4 * 1024 * 1024,
  /**
   * Largest frame a snapshot stream may hold: a chunk (about
   * limits.snapshotChunkBytes) plus its last key-value, which may be as large
   * as a request. Anything larger is a damaged stream.
   */
  maxSnapshotFrameBytes: 64 * 1024 * 1024,
} as const;
