// The typed client's errors. A gRPC status from a member is rebuilt into a
// class by looking its message up in etcd's error table (store/errors.ts),
// as etcd's own client does: `catch (e) { if (e instanceof CompactedError) … }`.
// A status that is not one of etcd's keeps its gRPC code and message in a
// plain EtcdClientError. Errors the client makes itself (no endpoint could
// be reached, the client is closed, a lease was lost, …) are classes too.
//
// | class                       | etcd message / cause                                         |
// | --------------------------- | ------------------------------------------------------------ |
// | CompactedError              | mvcc: required revision has been compacted (+ compact rev)   |
// | FutureRevisionError         | mvcc: required revision is a future revision                 |
// | NoSpaceError                | mvcc: database space exceeded                                |
// | KeyNotFoundError            | key not found                                                |
// | EmptyKeyError               | key is not provided                                          |
// | TooManyOpsError             | too many operations in txn request                           |
// | DuplicateKeyError           | duplicate key given in txn request                           |
// | RequestTooLargeError        | request is too large                                         |
// | TooManyRequestsError        | too many requests                                            |
// | LeaseNotFoundError          | requested lease not found                                    |
// | LeaseExistsError            | lease already exists                                         |
// | LeaseTTLTooLargeError       | too large lease TTL                                          |
// | MemberNotFoundError         | member not found                                             |
// | MemberExistsError           | member ID already exist / Peer URLs already exists           |
// | MemberNotLearnerError       | can only promote a learner member                            |
// | LearnerNotReadyError        | can only promote a learner member which is in sync …         |
// | PermissionDeniedError       | permission denied                                            |
// | AuthError                   | the other auth errors (user/role not found, invalid token …) |
// | NoLeaderError               | no leader                                                    |
// | UnavailableError            | leader changed, not capable, timeouts, server stopped, …     |
// | EtcdClientError             | any other status: its gRPC code and message                  |
// | NoEndpointAvailableError    | no endpoint could be connected to before the deadline        |
// | DeadlineExceededError       | the request's deadline passed                                |
// | ClientClosedError           | the client was closed                                        |
// | WatchCanceledError          | the server canceled a watch (with its reason)                |
// | LeaseLostError              | a kept-alive lease expired or could not be renewed in time   |
// | LockLostError / ElectionNotLeaderError | the session behind a lock or campaign ended       |

import { status as GrpcStatus } from '@grpc/grpc-js';
import { etcdErrorFromStatus, etcdErrors, type EtcdErrorCode } from '../errors.js';

/** The base of every error the client throws. */
export class EtcdClientError extends Error {
  override name = 'EtcdClientError';

  constructor(
    message: string,
    /** The gRPC status code, when the error came from (or stands for) a status. */
    readonly grpcCode: GrpcStatus | undefined,
    /** The code of etcd's error table, when the message is one of etcd's. */
    readonly etcdCode?: EtcdErrorCode,
    /** The endpoint that answered, when one did. */
    readonly endpoint?: string,
  ) {
    super(message);
  }
}

type Ctor = new (
  message: string,
  grpcCode: GrpcStatus,
  etcdCode: EtcdErrorCode,
  endpoint?: string,
) => EtcdClientError;

const declare = (name: string): Ctor => {
  const C = class extends EtcdClientError {
    override name = name;
  };
  Object.defineProperty(C, 'name', { value: name });
  return C;
};

export class CompactedError extends EtcdClientError {
  override name = 'CompactedError';
  /** The revision the store is compacted to, when the server said (watch); else 0n. */
  compactRevision = 0n;
}
export const FutureRevisionError = declare('FutureRevisionError');
export const NoSpaceError = declare('NoSpaceError');
export const KeyNotFoundError = declare('KeyNotFoundError');
export const EmptyKeyError = declare('EmptyKeyError');
export const TooManyOpsError = declare('TooManyOpsError');
export const DuplicateKeyError = declare('DuplicateKeyError');
export const RequestTooLargeError = declare('RequestTooLargeError');
export const TooManyRequestsError = declare('TooManyRequestsError');
export const LeaseNotFoundError = declare('LeaseNotFoundError');
export const LeaseExistsError = declare('LeaseExistsError');
export const LeaseTTLTooLargeError = declare('LeaseTTLTooLargeError');
export const MemberNotFoundError = declare('MemberNotFoundError');
export const MemberExistsError = declare('MemberExistsError');
export const MemberNotLearnerError = declare('MemberNotLearnerError');
export const LearnerNotReadyError = declare('LearnerNotReadyError');
export const PermissionDeniedError = declare('PermissionDeniedError');
export const AuthError = declare('AuthError');
export const NoLeaderError = declare('NoLeaderError');
export const UnavailableError = declare('UnavailableError');

// The constants above are classes; these let callers name them as types.
export type FutureRevisionError = InstanceType<typeof FutureRevisionError>;
export type NoSpaceError = InstanceType<typeof NoSpaceError>;
export type KeyNotFoundError = InstanceType<typeof KeyNotFoundError>;
export type EmptyKeyError = InstanceType<typeof EmptyKeyError>;
export type TooManyOpsError = InstanceType<typeof TooManyOpsError>;
export type DuplicateKeyError = InstanceType<typeof DuplicateKeyError>;
export type RequestTooLargeError = InstanceType<typeof RequestTooLargeError>;
export type TooManyRequestsError = InstanceType<typeof TooManyRequestsError>;
export type LeaseNotFoundError = InstanceType<typeof LeaseNotFoundError>;
export type LeaseExistsError = InstanceType<typeof LeaseExistsError>;
export type LeaseTTLTooLargeError = InstanceType<typeof LeaseTTLTooLargeError>;
export type MemberNotFoundError = InstanceType<typeof MemberNotFoundError>;
export type MemberExistsError = InstanceType<typeof MemberExistsError>;
export type MemberNotLearnerError = InstanceType<typeof MemberNotLearnerError>;
export type LearnerNotReadyError = InstanceType<typeof LearnerNotReadyError>;
export type PermissionDeniedError = InstanceType<typeof PermissionDeniedError>;
export type AuthError = InstanceType<typeof AuthError>;
export type NoLeaderError = InstanceType<typeof NoLeaderError>;
export type UnavailableError = InstanceType<typeof UnavailableError>;

/** Which class stands for each of etcd's errors; the rest are plain EtcdClientErrors. */
const classOf: Partial<Record<EtcdErrorCode, Ctor>> = {
  Compacted: CompactedError,
  FutureRev: FutureRevisionError,
  NoSpace: NoSpaceError,
  KeyNotFound: KeyNotFoundError,
  EmptyKey: EmptyKeyError,
  TooManyOps: TooManyOpsError,
  DuplicateKey: DuplicateKeyError,
  RequestTooLarge: RequestTooLargeError,
  TooManyRequests: TooManyRequestsError,
  LeaseNotFound: LeaseNotFoundError,
  LeaseExist: LeaseExistsError,
  LeaseTTLTooLarge: LeaseTTLTooLargeError,
  MemberNotFound: MemberNotFoundError,
  MemberExist: MemberExistsError,
  PeerURLExist: MemberExistsError,
  MemberNotLearner: MemberNotLearnerError,
  LearnerNotReady: LearnerNotReadyError,
  PermissionDenied: PermissionDeniedError,
  RootUserNotExist: AuthError,
  RootRoleNotExist: AuthError,
  UserAlreadyExist: AuthError,
  UserEmpty: AuthError,
  UserNotFound: AuthError,
  RoleAlreadyExist: AuthError,
  RoleNotFound: AuthError,
  RoleEmpty: AuthError,
  AuthFailed: AuthError,
  RoleNotGranted: AuthError,
  PermissionNotGranted: AuthError,
  AuthNotEnabled: AuthError,
  InvalidAuthToken: AuthError,
  InvalidAuthMgmt: AuthError,
  AuthOldRevision: AuthError,
  NoLeader: NoLeaderError,
  LeaderChanged: UnavailableError,
  NotCapable: UnavailableError,
  Stopped: UnavailableError,
  Timeout: UnavailableError,
  TimeoutDueToLeaderFail: UnavailableError,
  TimeoutDueToConnectionLost: UnavailableError,
  TimeoutWaitAppliedIndex: UnavailableError,
  Unhealthy: UnavailableError,
  NotSupportedForLearner: UnavailableError,
};

/** The typed error for one of etcd's table entries. */
export function errorForEtcdCode(code: EtcdErrorCode, endpoint?: string): EtcdClientError {
  const spec = etcdErrors[code];
  const C = classOf[code];
  return C === undefined
    ? new EtcdClientError(spec.message, spec.grpcCode, code, endpoint)
    : new C(spec.message, spec.grpcCode, code, endpoint);
}

/** A status-shaped object as grpc-js hands it to callbacks and 'error' listeners. */
interface StatusLike {
  code?: unknown;
  details?: unknown;
  message?: unknown;
}

/**
 * The typed error a gRPC status stands for: one of etcd's when its message
 * is in the table, else an EtcdClientError keeping code and message.
 * Errors that already are EtcdClientErrors pass through.
 */
export function errorFromStatus(err: unknown, endpoint?: string): EtcdClientError {
  if (err instanceof EtcdClientError) return err;
  const known = etcdErrorFromStatus(err);
  if (known !== undefined) return errorForEtcdCode(known.code, endpoint);
  const s = (typeof err === 'object' && err !== null ? err : {}) as StatusLike;
  const code = typeof s.code === 'number' ? (s.code as GrpcStatus) : undefined;
  const message =
    typeof s.details === 'string' && s.details !== ''
      ? s.details
      : typeof s.message === 'string'
        ? s.message
        : String(err);
  if (code === GrpcStatus.DEADLINE_EXCEEDED) return new DeadlineExceededError(message, endpoint);
  return new EtcdClientError(message, code, undefined, endpoint);
}

/** The error of a canceled watch whose cancel_reason is one of etcd's messages, or a WatchCanceledError. */
export function errorFromCancelReason(reason: string, endpoint?: string): EtcdClientError {
  const known = etcdErrorFromStatus({ details: reason });
  if (known !== undefined) return errorForEtcdCode(known.code, endpoint);
  return new WatchCanceledError(reason === '' ? 'watch canceled by the server' : reason, endpoint);
}

/** The compacted error of a watch, with the revision the store is compacted to. */
export function compactedError(compactRevision: bigint, endpoint?: string): CompactedError {
  const e = errorForEtcdCode('Compacted', endpoint) as CompactedError;
  e.compactRevision = compactRevision;
  return e;
}

// ------------------------------------------------------- client-made errors

/** No endpoint could be connected to (or every one failed) before the deadline. */
export class NoEndpointAvailableError extends EtcdClientError {
  override name = 'NoEndpointAvailableError';
  constructor(message: string, endpoint?: string) {
    super(message, GrpcStatus.UNAVAILABLE, undefined, endpoint);
  }
}

export class DeadlineExceededError extends EtcdClientError {
  override name = 'DeadlineExceededError';
  constructor(message: string, endpoint?: string) {
    super(message, GrpcStatus.DEADLINE_EXCEEDED, undefined, endpoint);
  }
}

export class ClientClosedError extends EtcdClientError {
  override name = 'ClientClosedError';
  constructor(message = 'capstan client: the client is closed') {
    super(message, GrpcStatus.CANCELLED);
  }
}

/** The server canceled a watch for a reason that is not one of etcd's table. */
export class WatchCanceledError extends EtcdClientError {
  override name = 'WatchCanceledError';
  constructor(message: string, endpoint?: string) {
    super(message, GrpcStatus.CANCELLED, undefined, endpoint);
  }
}

/** A consumer fell more than the buffer limit behind a watcher. */
export class WatchOverflowError extends EtcdClientError {
  override name = 'WatchOverflowError';
  constructor(message: string) {
    super(message, GrpcStatus.RESOURCE_EXHAUSTED);
  }
}

/** A kept-alive lease expired (the server answered TTL ≤ 0) or could not be renewed before its TTL ran out. */
export class LeaseLostError extends EtcdClientError {
  override name = 'LeaseLostError';
  constructor(
    message: string,
    readonly leaseId: bigint,
  ) {
    super(message, undefined);
  }
}

/** A lock's key vanished (its session's lease ended) before or while it was held. */
export class LockLostError extends EtcdClientError {
  override name = 'LockLostError';
  constructor(message: string) {
    super(message, undefined);
  }
}

/** Proclaim or resign by a candidate that is no longer the leader (etcd's ErrElectionNotLeader). */
export class ElectionNotLeaderError extends EtcdClientError {
  override name = 'ElectionNotLeaderError';
  constructor(message = 'election: not leader') {
    super(message, undefined);
  }
}

/** An operation given an AbortSignal was aborted. */
export class AbortedError extends EtcdClientError {
  override name = 'AbortedError';
  constructor(message = 'capstan client: aborted') {
    super(message, GrpcStatus.CANCELLED);
  }
}
