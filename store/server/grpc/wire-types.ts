// The etcd v3 messages as our code sees them through @grpc/proto-loader with
// the options of protos.ts. Every type takes the side of the wire it is on:
//
// - 'in': what the loader hands us after decoding (the server's requests,
//   the client's responses). Every scalar is present (defaults: true);
//   int64/uint64 are decimal strings; bytes are Buffers; enums are numbers;
//   an absent message field is null; a oneof names its member in a virtual
//   field, so it narrows as a discriminated union.
// - 'out': what we may hand the loader to encode (the server's responses,
//   the client's requests). Every field is optional; int64/uint64 are
//   decimal strings or safe-integer numbers (bigint is not part of the
//   contract); bytes are any Uint8Array, never a string (read as base64).
//
// Field names are etcd's, snake_case or not, exactly as in rpc.proto.
import type * as grpc from '@grpc/grpc-js';

export type Side = 'in' | 'out';

/** A signed 64-bit integer: decimal string in, decimal string or safe integer out. */
export type Int64<S extends Side> = S extends 'in' ? string : string | number;
/** An unsigned 64-bit integer (member and cluster ids, raft terms and indexes). */
export type Uint64<S extends Side> = Int64<S>;
/** Bytes: Buffer in (a view into the received frame), any Uint8Array out. */
export type Bytes<S extends Side> = S extends 'in' ? Buffer : Uint8Array;
/** A message-typed field: null when absent on the way in. */
export type Sub<T> = T | null;
/** Applies the side's presence rule: all present in, all optional out. */
export type Msg<S extends Side, T> = S extends 'in' ? T : { [K in keyof T]?: T[K] | undefined };

// ------------------------------------------------------------------ enums

export const SortOrder = { NONE: 0, ASCEND: 1, DESCEND: 2 } as const;
export const SortTarget = { KEY: 0, VERSION: 1, CREATE: 2, MOD: 3, VALUE: 4 } as const;
export const CompareResult = { EQUAL: 0, GREATER: 1, LESS: 2, NOT_EQUAL: 3 } as const;
export const CompareTarget = { VERSION: 0, CREATE: 1, MOD: 2, VALUE: 3, LEASE: 4 } as const;
export const AlarmType = { NONE: 0, NOSPACE: 1, CORRUPT: 2 } as const;
export const AlarmAction = { GET: 0, ACTIVATE: 1, DEACTIVATE: 2 } as const;

export type EnumValue<E> = E[keyof E];

// ---------------------------------------------------------- header and KV

/**
 * Send one with every response: etcdctl dereferences it without checking
 * (`endpoint status` crashes on a StatusResponse without a header), and it
 * computes "is leader" as `StatusResponse.leader === header.member_id`.
 */
export type ResponseHeader<S extends Side> = Msg<
  S,
  { cluster_id: Uint64<S>; member_id: Uint64<S>; revision: Int64<S>; raft_term: Uint64<S> }
>;

export type KeyValue<S extends Side> = Msg<
  S,
  {
    key: Bytes<S>;
    create_revision: Int64<S>;
    mod_revision: Int64<S>;
    version: Int64<S>;
    value: Bytes<S>;
    lease: Int64<S>;
  }
>;

export type RangeRequest<S extends Side> = Msg<
  S,
  {
    key: Bytes<S>;
    range_end: Bytes<S>;
    limit: Int64<S>;
    revision: Int64<S>;
    sort_order: EnumValue<typeof SortOrder>;
    sort_target: EnumValue<typeof SortTarget>;
    serializable: boolean;
    keys_only: boolean;
    count_only: boolean;
    min_mod_revision: Int64<S>;
    max_mod_revision: Int64<S>;
    min_create_revision: Int64<S>;
    max_create_revision: Int64<S>;
  }
>;

export type RangeResponse<S extends Side> = Msg<
  S,
  { header: Sub<ResponseHeader<S>>; kvs: KeyValue<S>[]; more: boolean; count: Int64<S> }
>;

export type PutRequest<S extends Side> = Msg<
  S,
  {
    key: Bytes<S>;
    value: Bytes<S>;
    lease: Int64<S>;
    prev_kv: boolean;
    ignore_value: boolean;
    ignore_lease: boolean;
  }
>;

export type PutResponse<S extends Side> = Msg<
  S,
  { header: Sub<ResponseHeader<S>>; prev_kv: Sub<KeyValue<S>> }
>;

export type DeleteRangeRequest<S extends Side> = Msg<
  S,
  { key: Bytes<S>; range_end: Bytes<S>; prev_kv: boolean }
>;

export type DeleteRangeResponse<S extends Side> = Msg<
  S,
  { header: Sub<ResponseHeader<S>>; deleted: Int64<S>; prev_kvs: KeyValue<S>[] }
>;

/**
 * One member of a oneof. In: the virtual field `D` names the member that is
 * set; out: exactly one member is given.
 */
type OneOf<S extends Side, D extends string, M> = S extends 'in'
  ? { [K in keyof M]: { [P in D]: K } & { [P in K]: M[K] } }[keyof M] | { [P in D]?: undefined }
  : | { [K in keyof M]: { [P in K]: M[K] } & { [P in Exclude<keyof M, K>]?: undefined } }[keyof M]
    | { [K in keyof M]?: undefined };

export type RequestOp<S extends Side> = OneOf<
  S,
  'request',
  {
    request_range: RangeRequest<S>;
    request_put: PutRequest<S>;
    request_delete_range: DeleteRangeRequest<S>;
    request_txn: TxnRequest<S>;
  }
>;

export type ResponseOp<S extends Side> = OneOf<
  S,
  'response',
  {
    response_range: RangeResponse<S>;
    response_put: PutResponse<S>;
    response_delete_range: DeleteRangeResponse<S>;
    response_txn: TxnResponse<S>;
  }
>;

export type Compare<S extends Side> = Msg<
  S,
  {
    result: EnumValue<typeof CompareResult>;
    target: EnumValue<typeof CompareTarget>;
    key: Bytes<S>;
    range_end: Bytes<S>;
  }
> &
  OneOf<
    S,
    'target_union',
    {
      version: Int64<S>;
      create_revision: Int64<S>;
      mod_revision: Int64<S>;
      value: Bytes<S>;
      lease: Int64<S>;
    }
  >;

export type TxnRequest<S extends Side> = Msg<
  S,
  { compare: Compare<S>[]; success: RequestOp<S>[]; failure: RequestOp<S>[] }
>;

export type TxnResponse<S extends Side> = Msg<
  S,
  { header: Sub<ResponseHeader<S>>; succeeded: boolean; responses: ResponseOp<S>[] }
>;

export type CompactionRequest<S extends Side> = Msg<S, { revision: Int64<S>; physical: boolean }>;
export type CompactionResponse<S extends Side> = Msg<S, { header: Sub<ResponseHeader<S>> }>;

// ----------------------------------------------------------------- cluster

export type Member<S extends Side> = Msg<
  S,
  { ID: Uint64<S>; name: string; peerURLs: string[]; clientURLs: string[]; isLearner: boolean }
>;

type Members<S extends Side> = Msg<S, { header: Sub<ResponseHeader<S>>; members: Member<S>[] }>;

export type MemberListRequest<S extends Side> = Msg<S, Record<never, never>>;
export type MemberListResponse<S extends Side> = Members<S>;
export type MemberAddRequest<S extends Side> = Msg<S, { peerURLs: string[]; isLearner: boolean }>;
export type MemberAddResponse<S extends Side> = Msg<
  S,
  { header: Sub<ResponseHeader<S>>; member: Sub<Member<S>>; members: Member<S>[] }
>;
export type MemberRemoveRequest<S extends Side> = Msg<S, { ID: Uint64<S> }>;
export type MemberRemoveResponse<S extends Side> = Members<S>;
export type MemberUpdateRequest<S extends Side> = Msg<S, { ID: Uint64<S>; peerURLs: string[] }>;
export type MemberUpdateResponse<S extends Side> = Members<S>;
export type MemberPromoteRequest<S extends Side> = Msg<S, { ID: Uint64<S> }>;
export type MemberPromoteResponse<S extends Side> = Members<S>;

// ------------------------------------------------------------- maintenance

type HeaderOnly<S extends Side> = Msg<S, { header: Sub<ResponseHeader<S>> }>;
type Empty<S extends Side> = Msg<S, Record<never, never>>;

export type StatusRequest<S extends Side> = Empty<S>;
export type StatusResponse<S extends Side> = Msg<
  S,
  {
    header: Sub<ResponseHeader<S>>;
    version: string;
    dbSize: Int64<S>;
    leader: Uint64<S>;
    raftIndex: Uint64<S>;
    raftTerm: Uint64<S>;
    raftAppliedIndex: Uint64<S>;
    errors: string[];
    dbSizeInUse: Int64<S>;
    isLearner: boolean;
  }
>;

export type HashRequest<S extends Side> = Empty<S>;
/** hash is a uint32: a plain number both ways. */
export type HashResponse<S extends Side> = Msg<S, { header: Sub<ResponseHeader<S>>; hash: number }>;
export type HashKVRequest<S extends Side> = Msg<S, { revision: Int64<S> }>;
export type HashKVResponse<S extends Side> = Msg<
  S,
  { header: Sub<ResponseHeader<S>>; hash: number; compact_revision: Int64<S> }
>;

export type AlarmMember<S extends Side> = Msg<
  S,
  { memberID: Uint64<S>; alarm: EnumValue<typeof AlarmType> }
>;
export type AlarmRequest<S extends Side> = Msg<
  S,
  { action: EnumValue<typeof AlarmAction>; memberID: Uint64<S>; alarm: EnumValue<typeof AlarmType> }
>;
export type AlarmResponse<S extends Side> = Msg<
  S,
  { header: Sub<ResponseHeader<S>>; alarms: AlarmMember<S>[] }
>;

export type DefragmentRequest<S extends Side> = Empty<S>;
export type DefragmentResponse<S extends Side> = HeaderOnly<S>;

export type SnapshotRequest<S extends Side> = Empty<S>;
export type SnapshotResponse<S extends Side> = Msg<
  S,
  { header: Sub<ResponseHeader<S>>; remaining_bytes: Uint64<S>; blob: Bytes<S> }
>;

export type MoveLeaderRequest<S extends Side> = Msg<S, { targetID: Uint64<S> }>;
export type MoveLeaderResponse<S extends Side> = HeaderOnly<S>;

// ------------------------------------------------------------------ watch

export const EventType = { PUT: 0, DELETE: 1 } as const;
export const WatchFilterType = { NOPUT: 0, NODELETE: 1 } as const;

export type Event<S extends Side> = Msg<
  S,
  { type: EnumValue<typeof EventType>; kv: Sub<KeyValue<S>>; prev_kv: Sub<KeyValue<S>> }
>;

export type WatchCreateRequest<S extends Side> = Msg<
  S,
  {
    key: Bytes<S>;
    range_end: Bytes<S>;
    start_revision: Int64<S>;
    progress_notify: boolean;
    filters: EnumValue<typeof WatchFilterType>[];
    prev_kv: boolean;
    watch_id: Int64<S>;
    fragment: boolean;
  }
>;
export type WatchCancelRequest<S extends Side> = Msg<S, { watch_id: Int64<S> }>;
export type WatchProgressRequest<S extends Side> = Empty<S>;

/** The request oneof: `request_union` names the member that is set on the way in. */
export type WatchRequest<S extends Side> = S extends 'in'
  ? | {
        request_union: 'create_request';
        create_request: WatchCreateRequest<'in'>;
        cancel_request: null;
        progress_request: null;
      }
    | {
        request_union: 'cancel_request';
        create_request: null;
        cancel_request: WatchCancelRequest<'in'>;
        progress_request: null;
      }
    | {
        request_union: 'progress_request';
        create_request: null;
        cancel_request: null;
        progress_request: WatchProgressRequest<'in'>;
      }
    | {
        request_union: undefined;
        create_request: null;
        cancel_request: null;
        progress_request: null;
      }
  : | { create_request: WatchCreateRequest<'out'> }
    | { cancel_request: WatchCancelRequest<'out'> }
    | { progress_request: WatchProgressRequest<'out'> };

export type WatchResponse<S extends Side> = Msg<
  S,
  {
    header: Sub<ResponseHeader<S>>;
    watch_id: Int64<S>;
    created: boolean;
    canceled: boolean;
    compact_revision: Int64<S>;
    cancel_reason: string;
    fragment: boolean;
    events: Event<S>[];
  }
>;

// ------------------------------------------------------------------ lease

export type LeaseGrantRequest<S extends Side> = Msg<S, { TTL: Int64<S>; ID: Int64<S> }>;
export type LeaseGrantResponse<S extends Side> = Msg<
  S,
  { header: Sub<ResponseHeader<S>>; ID: Int64<S>; TTL: Int64<S>; error: string }
>;
export type LeaseRevokeRequest<S extends Side> = Msg<S, { ID: Int64<S> }>;
export type LeaseRevokeResponse<S extends Side> = HeaderOnly<S>;
export type LeaseKeepAliveRequest<S extends Side> = Msg<S, { ID: Int64<S> }>;
export type LeaseKeepAliveResponse<S extends Side> = Msg<
  S,
  { header: Sub<ResponseHeader<S>>; ID: Int64<S>; TTL: Int64<S> }
>;
export type LeaseTimeToLiveRequest<S extends Side> = Msg<S, { ID: Int64<S>; keys: boolean }>;
export type LeaseTimeToLiveResponse<S extends Side> = Msg<
  S,
  {
    header: Sub<ResponseHeader<S>>;
    ID: Int64<S>;
    TTL: Int64<S>;
    grantedTTL: Int64<S>;
    keys: Bytes<S>[];
  }
>;
export type LeaseLeasesRequest<S extends Side> = Empty<S>;
export type LeaseStatus<S extends Side> = Msg<S, { ID: Int64<S> }>;
export type LeaseLeasesResponse<S extends Side> = Msg<
  S,
  { header: Sub<ResponseHeader<S>>; leases: LeaseStatus<S>[] }
>;

// ----------------------------------------------------- lock and election

export type LockRequest<S extends Side> = Msg<S, { name: Bytes<S>; lease: Int64<S> }>;
export type LockResponse<S extends Side> = Msg<
  S,
  { header: Sub<ResponseHeader<S>>; key: Bytes<S> }
>;
export type UnlockRequest<S extends Side> = Msg<S, { key: Bytes<S> }>;
export type UnlockResponse<S extends Side> = HeaderOnly<S>;

export type LeaderKey<S extends Side> = Msg<
  S,
  { name: Bytes<S>; key: Bytes<S>; rev: Int64<S>; lease: Int64<S> }
>;
export type CampaignRequest<S extends Side> = Msg<
  S,
  { name: Bytes<S>; lease: Int64<S>; value: Bytes<S> }
>;
export type CampaignResponse<S extends Side> = Msg<
  S,
  { header: Sub<ResponseHeader<S>>; leader: Sub<LeaderKey<S>> }
>;
export type ProclaimRequest<S extends Side> = Msg<
  S,
  { leader: Sub<LeaderKey<S>>; value: Bytes<S> }
>;
export type ProclaimResponse<S extends Side> = HeaderOnly<S>;
export type LeaderRequest<S extends Side> = Msg<S, { name: Bytes<S> }>;
export type LeaderResponse<S extends Side> = Msg<
  S,
  { header: Sub<ResponseHeader<S>>; kv: Sub<KeyValue<S>> }
>;
export type ResignRequest<S extends Side> = Msg<S, { leader: Sub<LeaderKey<S>> }>;
export type ResignResponse<S extends Side> = HeaderOnly<S>;

// ------------------------------------------------- server handler contracts

type Unary<Req, Res> = grpc.handleUnaryCall<Req, Res>;

/** What a KV implementation handed to `server.addService(KVService, …)` provides. */
export interface KVHandlers extends grpc.UntypedServiceImplementation {
  Range: Unary<RangeRequest<'in'>, RangeResponse<'out'>>;
  Put: Unary<PutRequest<'in'>, PutResponse<'out'>>;
  DeleteRange: Unary<DeleteRangeRequest<'in'>, DeleteRangeResponse<'out'>>;
  Txn: Unary<TxnRequest<'in'>, TxnResponse<'out'>>;
  Compact: Unary<CompactionRequest<'in'>, CompactionResponse<'out'>>;
}

export interface ClusterHandlers extends grpc.UntypedServiceImplementation {
  MemberAdd: Unary<MemberAddRequest<'in'>, MemberAddResponse<'out'>>;
  MemberRemove: Unary<MemberRemoveRequest<'in'>, MemberRemoveResponse<'out'>>;
  MemberUpdate: Unary<MemberUpdateRequest<'in'>, MemberUpdateResponse<'out'>>;
  MemberList: Unary<MemberListRequest<'in'>, MemberListResponse<'out'>>;
  MemberPromote: Unary<MemberPromoteRequest<'in'>, MemberPromoteResponse<'out'>>;
}

export interface MaintenanceHandlers extends grpc.UntypedServiceImplementation {
  Alarm: Unary<AlarmRequest<'in'>, AlarmResponse<'out'>>;
  Status: Unary<StatusRequest<'in'>, StatusResponse<'out'>>;
  Defragment: Unary<DefragmentRequest<'in'>, DefragmentResponse<'out'>>;
  Hash: Unary<HashRequest<'in'>, HashResponse<'out'>>;
  HashKV: Unary<HashKVRequest<'in'>, HashKVResponse<'out'>>;
  Snapshot: grpc.handleServerStreamingCall<SnapshotRequest<'in'>, SnapshotResponse<'out'>>;
  MoveLeader: Unary<MoveLeaderRequest<'in'>, MoveLeaderResponse<'out'>>;
}

export interface WatchHandlers extends grpc.UntypedServiceImplementation {
  Watch: grpc.handleBidiStreamingCall<WatchRequest<'in'>, WatchResponse<'out'>>;
}

export interface LeaseHandlers extends grpc.UntypedServiceImplementation {
  LeaseGrant: Unary<LeaseGrantRequest<'in'>, LeaseGrantResponse<'out'>>;
  LeaseRevoke: Unary<LeaseRevokeRequest<'in'>, LeaseRevokeResponse<'out'>>;
  LeaseKeepAlive: grpc.handleBidiStreamingCall<
    LeaseKeepAliveRequest<'in'>,
    LeaseKeepAliveResponse<'out'>
  >;
  LeaseTimeToLive: Unary<LeaseTimeToLiveRequest<'in'>, LeaseTimeToLiveResponse<'out'>>;
  LeaseLeases: Unary<LeaseLeasesRequest<'in'>, LeaseLeasesResponse<'out'>>;
}

export interface LockHandlers extends grpc.UntypedServiceImplementation {
  Lock: Unary<LockRequest<'in'>, LockResponse<'out'>>;
  Unlock: Unary<UnlockRequest<'in'>, UnlockResponse<'out'>>;
}

export interface ElectionHandlers extends grpc.UntypedServiceImplementation {
  Campaign: Unary<CampaignRequest<'in'>, CampaignResponse<'out'>>;
  Proclaim: Unary<ProclaimRequest<'in'>, ProclaimResponse<'out'>>;
  Leader: Unary<LeaderRequest<'in'>, LeaderResponse<'out'>>;
  Observe: grpc.handleServerStreamingCall<LeaderRequest<'in'>, LeaderResponse<'out'>>;
  Resign: Unary<ResignRequest<'in'>, ResignResponse<'out'>>;
}
