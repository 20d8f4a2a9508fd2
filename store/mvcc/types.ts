// The requests and responses of the revisioned key-value store, shaped like
// etcd's v3 messages (etcdserverpb, mvccpb) in camelCase. Keys and values are
// bytes; revisions are safe integers (one per write transaction, so 2^53 is
// never reached); lease and member ids are bigint because they are arbitrary
// 64-bit numbers on the wire.

/** A main revision of the store. The empty store is at revision 1, as in etcd. */
export type Revision = number;

/** One version of a key (mvccpb.KeyValue). Shared with the store: never mutate it. */
export interface KeyValue {
  readonly key: Uint8Array;
  /** Revision of the write that created this generation of the key. */
  readonly createRevision: Revision;
  /** Revision of the write that produced this version. */
  readonly modRevision: Revision;
  /** 1 for the write that created the key, +1 for every later write; a delete resets it. */
  readonly version: number;
  readonly value: Uint8Array;
  /** 0n when the key is not attached to a lease. */
  readonly lease: bigint;
}

/**
 * One change made by a write (mvccpb.Event). A delete's kv holds only the
 * key and the revision of the deletion. `prevKv` is the version the change
 * replaced (absent when the key did not exist); watchers that did not ask
 * for it never see it.
 */
export interface MvccEvent {
  readonly type: 'put' | 'delete';
  readonly kv: KeyValue;
  readonly prevKv: KeyValue | undefined;
}

/** Every event of one revision, in the order the write made them. */
export interface RevisionEvents {
  readonly revision: Revision;
  readonly events: readonly MvccEvent[];
}

export type SortOrder = 'none' | 'ascend' | 'descend';
export type SortTarget = 'key' | 'version' | 'create' | 'mod' | 'value';

export interface RangeRequest {
  key: Uint8Array;
  /**
   * Absent or empty: the single key `key`. A single zero byte: every key
   * from `key` on. Otherwise the half-open range [key, rangeEnd).
   */
  rangeEnd?: Uint8Array;
  /** At most this many key-values; 0 (or less) means no limit. */
  limit?: number;
  /** Read as of this revision; 0 (or less) means the current revision. */
  revision?: Revision;
  sortOrder?: SortOrder;
  sortTarget?: SortTarget;
  keysOnly?: boolean;
  countOnly?: boolean;
  /** The four filters below are off when 0. */
  minModRevision?: Revision;
  maxModRevision?: Revision;
  minCreateRevision?: Revision;
  maxCreateRevision?: Revision;
}

export interface RangeResponse {
  /** The store's revision when the range was served (not the revision read at). */
  revision: Revision;
  kvs: KeyValue[];
  /** More key-values than `limit` matched. */
  more: boolean;
  /** Every key in the range at the revision read, before filters and limit. */
  count: number;
}

export interface PutRequest {
  key: Uint8Array;
  value: Uint8Array;
  lease?: bigint;
  prevKv?: boolean;
  /** Keep the current value (the key must exist; `value` must be empty). */
  ignoreValue?: boolean;
  /** Keep the current lease (the key must exist; `lease` must be 0). */
  ignoreLease?: boolean;
}

export interface PutResponse {
  revision: Revision;
  prevKv?: KeyValue;
}

export interface DeleteRangeRequest {
  key: Uint8Array;
  /** As in RangeRequest. */
  rangeEnd?: Uint8Array;
  prevKv?: boolean;
}

export interface DeleteRangeResponse {
  revision: Revision;
  deleted: number;
  /** The deleted key-values when `prevKv` was asked for, else empty. */
  prevKvs: KeyValue[];
}

export type CompareResult = 'equal' | 'greater' | 'less' | 'not_equal';
export type CompareTarget = 'version' | 'create' | 'mod' | 'value' | 'lease';

export interface Compare {
  result: CompareResult;
  target: CompareTarget;
  key: Uint8Array;
  /** As in RangeRequest: with a range, every key in it must satisfy the comparison. */
  rangeEnd?: Uint8Array;
  version?: number;
  createRevision?: Revision;
  modRevision?: Revision;
  value?: Uint8Array;
  lease?: bigint;
}

export type RequestOp =
  | { range: RangeRequest }
  | { put: PutRequest }
  | { deleteRange: DeleteRangeRequest }
  | { txn: TxnRequest };

export type ResponseOp =
  | { range: RangeResponse }
  | { put: PutResponse }
  | { deleteRange: DeleteRangeResponse }
  | { txn: TxnResponse };

export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

export interface TxnResponse {
  /**
   * The store's revision after the transaction. A transaction nested in
   * another reports 0, as etcd 3.4 does (it never fills nested headers).
   */
  revision: Revision;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactionRequest {
  revision: Revision;
  /** The client waits until the removed revisions are gone from the disk. */
  physical?: boolean;
}

export interface CompactionResponse {
  revision: Revision;
  /** Resolves once the compacted revisions are removed from the backend. */
  physical: Promise<void>;
}

export interface Member {
  id: bigint;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

export interface MembersResponse {
  revision: Revision;
  /** Every member after the change, ordered by id. */
  members: Member[];
}

export interface NoopResponse {
  revision: Revision;
}

/** What hashKV reports (etcd's HashKVResponse). */
export interface HashKVResult {
  hash: number;
  /** The compacted revision; -1 before the first compaction, as etcd reports it. */
  compactRevision: Revision;
  /** The store's current revision (the response header's). */
  revision: Revision;
}

/**
 * etcdserverpb.AlarmType. etcd stores a NONE alarm too when a client
 * activates one: it lists it and refuses nothing because of it.
 */
export type AlarmKind = 'none' | 'nospace' | 'corrupt';

export interface AlarmMember {
  memberId: bigint;
  alarm: AlarmKind;
}

export interface AlarmRequest {
  action: 'get' | 'activate' | 'deactivate';
  /** For activate/deactivate: the member the alarm is about. */
  memberId?: bigint;
  alarm?: AlarmKind;
}

export interface AlarmResponse {
  revision: Revision;
  /**
   * get: every active alarm. activate/deactivate: the alarm that changed
   * (empty when it already was in the requested state), as etcd answers.
   */
  alarms: AlarmMember[];
}

export interface LeaseGrantRequest {
  /** Chosen by the proposing server when the client asked for 0; never 0 here. */
  id: bigint;
  /** Seconds, already raised to the minimum by the proposing server. */
  ttl: number;
}

export interface LeaseGrantResponse {
  revision: Revision;
  id: bigint;
  ttl: number;
}

export interface LeaseRevokeRequest {
  id: bigint;
}

export interface LeaseCheckpointRequest {
  checkpoints: { id: bigint; remainingTtl: number }[];
}

/** The header-only answer of a revoke or a checkpoint. */
export interface RevisionResponse {
  revision: Revision;
}
