// Typed errors of the raft log backend. Each carries a stable `code`; the
// server maps them to its exit message or gRPC status (store/errors.ts).

/**
 * The data directory holds a damaged record that cannot be a torn,
 * never-committed tail: the replica must not start on it. The message names
 * the key and the directory, so an operator knows what to restore.
 */
export class BackendCorruptionError extends Error {
  override name = 'BackendCorruptionError';
  readonly code = 'BACKEND_CORRUPTION';
  constructor(
    readonly dir: string,
    /** The damaged or missing key, as `describeKey` names it (`h`, `s`, `i`, `e/42`). */
    readonly key: string,
    problem: string,
  ) {
    super(
      `raft log in ${dir} is corrupt: ${key}: ${problem}; refusing to start ` +
        `(restore this member's data directory, or remove the member and add it back empty)`,
    );
  }
}

/**
 * A write to the raft log failed. The batch may or may not have reached the
 * disk, so the in-memory mirror can no longer be trusted to match it: the
 * store refuses every later write, and the replica must restart (reopening
 * reloads the truth from disk). Retrying an fsync is not safe: a failed fsync
 * may have dropped the dirty pages it was meant to write.
 */
export class BackendFailedError extends Error {
  override name = 'BackendFailedError';
  readonly code = 'BACKEND_FAILED';
  constructor(dir: string, cause: unknown) {
    super(`raft log in ${dir} failed a write and must be reopened: ${String(cause)}`, { cause });
  }
}

/** An operation on a store after close(). */
export class BackendClosedError extends Error {
  override name = 'BackendClosedError';
  readonly code = 'BACKEND_CLOSED';
  constructor(dir: string) {
    super(`raft log in ${dir} is closed`);
  }
}
