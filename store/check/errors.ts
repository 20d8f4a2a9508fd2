// Typed errors of the linearizability checker. A malformed history (an
// operation that returns before it is called, a non-numeric time) is the
// caller's mistake and gets `HistoryError` with the offending operation; a
// broken internal invariant is `CheckInvariantError` and means a bug here.

/** The history or the options handed to the checker are malformed. */
export class HistoryError extends Error {
  override name = 'HistoryError';
}

/** A broken internal invariant of the checker. Never caught: it means a bug. */
export class CheckInvariantError extends Error {
  override name = 'CheckInvariantError';
}

export function invariant(cond: unknown, message: string): asserts cond {
  if (!cond) throw new CheckInvariantError(message);
}
