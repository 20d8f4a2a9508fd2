// Errors of the state machine that are not etcd wire errors. etcd's own
// errors (Compacted, FutureRev, KeyNotFound, DuplicateKey, TooManyOps,
// EmptyKey, ValueProvided, LeaseProvided) come from store/errors.ts, the one
// table the server maps to gRPC statuses.

import { EtcdError } from '../errors.js';

/** An mvcc condition a caller handles; `code` is stable. */
export abstract class MvccError extends Error {
  abstract readonly code: string;
}

/**
 * A command whose shape is wrong (a field of the wrong type, an unknown
 * kind, bytes that do not decode). Validated requests never produce one, so
 * it means a bug upstream; the state machine answers it instead of crashing.
 */
export class MalformedCommandError extends MvccError {
  override name = 'MalformedCommandError';
  readonly code = 'MalformedCommand';
  constructor(detail: string) {
    super(`mvcc: malformed command: ${detail}`);
  }
}

/** An entry at or below the applied index: it was applied before and is skipped. */
export class AlreadyAppliedError extends MvccError {
  override name = 'AlreadyAppliedError';
  readonly code = 'AlreadyApplied';
  constructor(index: number, applied: number) {
    super(`mvcc: entry ${index} is at or below the applied index ${applied}`);
  }
}

/** A snapshot stream that is truncated, corrupted or not a snapshot. */
export class SnapshotInvalidError extends MvccError {
  override name = 'SnapshotInvalidError';
  readonly code = 'SnapshotInvalid';
  constructor(detail: string) {
    super(`mvcc: snapshot refused: ${detail}`);
  }
}

/**
 * The stored state is damaged or contradicts itself. Never answered to a
 * client: the replica must stop rather than serve corrupted data.
 */
export class MvccCorruptionError extends Error {
  override name = 'MvccCorruptionError';
}

/** Why an entry or a request failed: an etcd wire error or an mvcc one. */
export type ApplyError = EtcdError | MvccError;

export function isApplyError(err: unknown): err is ApplyError {
  return err instanceof EtcdError || err instanceof MvccError;
}
