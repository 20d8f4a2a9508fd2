// The one table of the store's wire errors, as etcd 3.4.23 sends them: a
// stable code name, the gRPC status code and the exact message.
//
// Clients recognise these errors by their message alone (etcd's client
// library looks the message up in its own copy of this table, then reports
// the bare message; etcdctl prints "Error: <message>"), so a message must
// never be reworded, decorated or extended. Details for operators go to the
// log, never to the wire.
//
// Source of truth: etcd's etcdserver/api/v3rpc/rpctypes (release 3.4), every
// message checked against the strings of the etcd 3.4.23 binary and, in
// test/store/server/grpc/error-table-compat.test.ts, against etcdctl 3.4.
// The lock and election services' errors come from etcd's
// clientv3/concurrency package instead (see the end of the table).
// docs/errors.md shows this table; test/store/errors.test.ts keeps it in sync.
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Metadata, ServerErrorResponse } from '@grpc/grpc-js';

const S = GrpcStatus;

interface EtcdErrorSpec {
  readonly grpcCode: GrpcStatus;
  readonly message: string;
  /**
   * Whether etcd's 3.4 client recognises the message: it then reports the
   * bare message (etcdctl: "Error: <message>"); otherwise it shows the raw
   * status ("rpc error: code = Canceled desc = <message>").
   */
  readonly knownToClients: boolean;
}

/** An error of etcd's rpctypes that its client table also lists. */
const rpc = (grpcCode: GrpcStatus, message: string): EtcdErrorSpec => ({
  grpcCode,
  message,
  knownToClients: true,
});

/** An error of etcd's concurrency services: a plain Go error, so UNKNOWN and unknown to clients. */
const concurrency = (message: string): EtcdErrorSpec => ({
  grpcCode: S.UNKNOWN,
  message,
  knownToClients: false,
});

export const etcdErrors = {
  // requests
  EmptyKey: rpc(S.INVALID_ARGUMENT, 'etcdserver: key is not provided'),
  KeyNotFound: rpc(S.INVALID_ARGUMENT, 'etcdserver: key not found'),
  ValueProvided: rpc(S.INVALID_ARGUMENT, 'etcdserver: value is provided'),
  LeaseProvided: rpc(S.INVALID_ARGUMENT, 'etcdserver: lease is provided'),
  TooManyOps: rpc(S.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request'),
  DuplicateKey: rpc(S.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request'),
  Compacted: rpc(S.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted'),
  FutureRev: rpc(S.OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision'),
  NoSpace: rpc(S.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded'),
  // leases
  LeaseNotFound: rpc(S.NOT_FOUND, 'etcdserver: requested lease not found'),
  LeaseExist: rpc(S.FAILED_PRECONDITION, 'etcdserver: lease already exists'),
  LeaseTTLTooLarge: rpc(S.OUT_OF_RANGE, 'etcdserver: too large lease TTL'),
  // watch; defined in rpctypes but missing from its client table
  WatchCanceled: {
    grpcCode: S.CANCELLED,
    message: 'etcdserver: watch canceled',
    knownToClients: false,
  },
  // membership
  MemberExist: rpc(S.FAILED_PRECONDITION, 'etcdserver: member ID already exist'),
  PeerURLExist: rpc(S.FAILED_PRECONDITION, 'etcdserver: Peer URLs already exists'),
  MemberNotEnoughStarted: rpc(
    S.FAILED_PRECONDITION,
    'etcdserver: re-configuration failed due to not enough started members',
  ),
  MemberBadURLs: rpc(S.INVALID_ARGUMENT, 'etcdserver: given member URLs are invalid'),
  MemberNotFound: rpc(S.NOT_FOUND, 'etcdserver: member not found'),
  MemberNotLearner: rpc(S.FAILED_PRECONDITION, 'etcdserver: can only promote a learner member'),
  LearnerNotReady: rpc(
    S.FAILED_PRECONDITION,
    'etcdserver: can only promote a learner member which is in sync with leader',
  ),
  TooManyLearners: rpc(S.FAILED_PRECONDITION, 'etcdserver: too many learner members in cluster'),
  // load
  RequestTooLarge: rpc(S.INVALID_ARGUMENT, 'etcdserver: request is too large'),
  TooManyRequests: rpc(S.RESOURCE_EXHAUSTED, 'etcdserver: too many requests'),
  // auth
  RootUserNotExist: rpc(S.FAILED_PRECONDITION, 'etcdserver: root user does not exist'),
  RootRoleNotExist: rpc(S.FAILED_PRECONDITION, 'etcdserver: root user does not have root role'),
  UserAlreadyExist: rpc(S.FAILED_PRECONDITION, 'etcdserver: user name already exists'),
  UserEmpty: rpc(S.INVALID_ARGUMENT, 'etcdserver: user name is empty'),
  UserNotFound: rpc(S.FAILED_PRECONDITION, 'etcdserver: user name not found'),
  RoleAlreadyExist: rpc(S.FAILED_PRECONDITION, 'etcdserver: role name already exists'),
  RoleNotFound: rpc(S.FAILED_PRECONDITION, 'etcdserver: role name not found'),
  RoleEmpty: rpc(S.INVALID_ARGUMENT, 'etcdserver: role name is empty'),
  AuthFailed: rpc(
    S.INVALID_ARGUMENT,
    'etcdserver: authentication failed, invalid user ID or password',
  ),
  PermissionDenied: rpc(S.PERMISSION_DENIED, 'etcdserver: permission denied'),
  RoleNotGranted: rpc(S.FAILED_PRECONDITION, 'etcdserver: role is not granted to the user'),
  PermissionNotGranted: rpc(
    S.FAILED_PRECONDITION,
    'etcdserver: permission is not granted to the role',
  ),
  AuthNotEnabled: rpc(S.FAILED_PRECONDITION, 'etcdserver: authentication is not enabled'),
  InvalidAuthToken: rpc(S.UNAUTHENTICATED, 'etcdserver: invalid auth token'),
  InvalidAuthMgmt: rpc(S.INVALID_ARGUMENT, 'etcdserver: invalid auth management'),
  AuthOldRevision: rpc(S.INVALID_ARGUMENT, 'etcdserver: revision of auth store is old'),
  // leadership, availability, health
  NoLeader: rpc(S.UNAVAILABLE, 'etcdserver: no leader'),
  NotLeader: rpc(S.FAILED_PRECONDITION, 'etcdserver: not leader'),
  LeaderChanged: rpc(S.UNAVAILABLE, 'etcdserver: leader changed'),
  NotCapable: rpc(S.UNAVAILABLE, 'etcdserver: not capable'),
  Stopped: rpc(S.UNAVAILABLE, 'etcdserver: server stopped'),
  Timeout: rpc(S.UNAVAILABLE, 'etcdserver: request timed out'),
  TimeoutDueToLeaderFail: rpc(
    S.UNAVAILABLE,
    'etcdserver: request timed out, possibly due to previous leader failure',
  ),
  TimeoutDueToConnectionLost: rpc(
    S.UNAVAILABLE,
    'etcdserver: request timed out, possibly due to connection lost',
  ),
  TimeoutWaitAppliedIndex: rpc(
    S.UNAVAILABLE,
    'etcdserver: request timed out, waiting for the applied index took too long',
  ),
  Unhealthy: rpc(S.UNAVAILABLE, 'etcdserver: unhealthy cluster'),
  Corrupt: rpc(S.DATA_LOSS, 'etcdserver: corrupt cluster'),
  NotSupportedForLearner: rpc(S.UNAVAILABLE, 'etcdserver: rpc not supported for learner'),
  BadLeaderTransferee: rpc(S.FAILED_PRECONDITION, 'etcdserver: bad leader transferee'),
  // Not in rpctypes: etcd sends MoveLeader's timeout unmapped, as UNKNOWN
  // with the server error's own text.
  TimeoutLeaderTransfer: {
    grpcCode: S.UNKNOWN,
    message: 'etcdserver: request timed out, leader transfer took too long',
    knownToClients: false,
  },
  // Not in rpctypes: the lock and election services (v3lock, v3election)
  // return their concurrency package's plain Go errors, which grpc-go sends
  // as UNKNOWN with the error's text (checked against etcd 3.4.23 in
  // test/store/server/api/concurrency/).
  ElectionNotLeader: concurrency('election: not leader'),
  ElectionNoLeader: concurrency('election: no leader'),
  ElectionMissingLeaderKey: concurrency('"leader" field must be provided'),
  // etcd 3.5's answer to a Lock whose key vanished (its lease ended) while
  // it waited; etcd 3.4 wrongly answers that the lock is held. capstan
  // refuses, as 3.5 does (docs/locks-and-elections.md).
  MutexSessionExpired: concurrency('mutex: session is expired'),
} as const satisfies Record<string, EtcdErrorSpec>;

export type EtcdErrorCode = keyof typeof etcdErrors;

export const etcdErrorCodes = Object.keys(etcdErrors) as EtcdErrorCode[];

/** One of etcd's wire errors. `detail` is for logs only and never sent. */
export class EtcdError extends Error {
  override name = 'EtcdError';
  readonly grpcCode: GrpcStatus;

  constructor(
    readonly code: EtcdErrorCode,
    readonly detail?: string,
  ) {
    super(etcdErrors[code].message);
    this.grpcCode = etcdErrors[code].grpcCode;
  }
}

export function etcdError(code: EtcdErrorCode, detail?: string): EtcdError {
  return new EtcdError(code, detail);
}

export function isEtcdError(err: unknown, code?: EtcdErrorCode): err is EtcdError {
  return err instanceof EtcdError && (code === undefined || err.code === code);
}

/**
 * A deliberate gRPC status outside etcd's table whose message is safe to
 * show, e.g. UNIMPLEMENTED for a request field capstan does not support
 * (refused explicitly, never ignored).
 */
export class GrpcStatusError extends Error {
  override name = 'GrpcStatusError';
  constructor(
    readonly grpcCode: GrpcStatus,
    message: string,
  ) {
    super(message);
  }
}

/** What a client sees for anything that is not a deliberate, typed error. */
export const internalErrorMessage = 'capstan: internal error';

/**
 * The error to hand a grpc-js callback or `call.destroy()`. Typed errors
 * keep their code and exact message; anything else is a bug or an
 * unexpected failure and becomes UNKNOWN (as etcd sends unmapped errors)
 * with a generic message: its text and stack stay in the server's log.
 * The result carries no stack trace.
 */
export function toServiceError(err: unknown, metadata?: Metadata): ServerErrorResponse {
  const [code, message] =
    err instanceof EtcdError || err instanceof GrpcStatusError
      ? [err.grpcCode, err.message]
      : [S.UNKNOWN, internalErrorMessage];
  const out: ServerErrorResponse = { name: 'Error', message, code, details: message };
  if (metadata !== undefined) out.metadata = metadata;
  return out;
}

const byMessage = new Map<string, EtcdErrorCode>(
  etcdErrorCodes.map((code) => [etcdErrors[code].message, code]),
);

/**
 * The client side of the table: the EtcdError a received status stands for,
 * looked up by message as etcd's client does; undefined when it is not one.
 */
export function etcdErrorFromStatus(err: unknown): EtcdError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const details = (err as { details?: unknown }).details;
  const code = typeof details === 'string' ? byMessage.get(details) : undefined;
  return code === undefined ? undefined : new EtcdError(code);
}
