// Typed errors of the Raft core. Assertion failures (programmer bugs, broken
// invariants) are `RaftInvariantError` and must crash loudly; the others are
// conditions a caller handles.

/** A broken internal invariant. Never caught: it means a bug or corrupted state. */
export class RaftInvariantError extends Error {
  override name = 'RaftInvariantError';
}

export function invariant(cond: unknown, message: string): asserts cond {
  if (!cond) throw new RaftInvariantError(message);
}

/** The requested entries were compacted into a snapshot. */
export class CompactedError extends Error {
  override name = 'CompactedError';
  constructor(message = 'requested index is unavailable due to compaction') {
    super(message);
  }
}

/** The requested entries are beyond the end of the log. */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
  constructor(message = 'requested entry at index is unavailable') {
    super(message);
  }
}

/** The storage is producing a snapshot and cannot hand one out right now. */
export class SnapshotTemporarilyUnavailableError extends Error {
  override name = 'SnapshotTemporarilyUnavailableError';
  constructor(message = 'snapshot is temporarily unavailable') {
    super(message);
  }
}

/** A snapshot older than the one already held was offered to storage. */
export class SnapshotOutOfDateError extends Error {
  override name = 'SnapshotOutOfDateError';
  constructor(message = 'requested index is older than the existing snapshot') {
    super(message);
  }
}

export type ProposalDropReason =
  | 'no-leader'
  | 'not-member'
  | 'leader-transfer'
  | 'leader-removing-itself'
  | 'uncommitted-limit'
  | 'conf-change-pending'
  | 'invalid-conf-change'
  | 'forwarding-disabled'
  | 'not-leader';

/** A proposal (or read or transfer request) that was not accepted; it will never take effect. */
export class ProposalDroppedError extends Error {
  override name = 'ProposalDroppedError';
  constructor(
    readonly reason: ProposalDropReason,
    message = `raft proposal dropped: ${reason}`,
  ) {
    super(message);
  }
}

/** An invalid configuration given at construction. */
export class RaftConfigError extends Error {
  override name = 'RaftConfigError';
}
