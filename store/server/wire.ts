// The one place where etcd's wire shapes (as @grpc/proto-loader hands them
// over: snake_case, int64 as decimal strings, enums as numbers) become the
// store's types (camelCase, revisions as numbers, ids as bigint), and back.
//
// int64 rules: a revision above 2^53 cannot exist, so it is kept as a number
// that is still larger than any real revision (it then reads as "a future
// revision"), never rounded down; ids are bigint and never touch a number.

import type * as mvcc from '../mvcc/index.js';
import type * as w from './grpc/wire-types.js';
import { CompareResult, CompareTarget, SortOrder, SortTarget } from './grpc/wire-types.js';

/** An int64 revision (or count, limit) from the wire; saturates beyond 2^53 instead of rounding. */
export function revisionIn(s: string): number {
  const n = Number(s);
  if (Number.isSafeInteger(n)) return n;
  return BigInt(s) > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
}

/** An int64 or uint64 id (lease, member, cluster) from the wire, exactly. */
export function idIn(s: string): bigint {
  return BigInt(s);
}

/** A uint64 id to the wire: decimal, so values past 2^53 stay exact. */
export function idOut(id: bigint): string {
  return BigInt.asUintN(64, id).toString();
}

/** A signed int64 id (leases) to the wire. */
export function leaseOut(id: bigint): string {
  return BigInt.asIntN(64, id).toString();
}

export interface HeaderFields {
  clusterId: bigint;
  memberId: bigint;
  revision: number;
  raftTerm: number;
}

export function headerOut(h: HeaderFields): w.ResponseHeader<'out'> {
  return {
    cluster_id: idOut(h.clusterId),
    member_id: idOut(h.memberId),
    revision: h.revision,
    raft_term: h.raftTerm,
  };
}

const sortOrders: Record<number, mvcc.SortOrder> = {
  [SortOrder.NONE]: 'none',
  [SortOrder.ASCEND]: 'ascend',
  [SortOrder.DESCEND]: 'descend',
};
const sortTargets: Record<number, mvcc.SortTarget> = {
  [SortTarget.KEY]: 'key',
  [SortTarget.VERSION]: 'version',
  [SortTarget.CREATE]: 'create',
  [SortTarget.MOD]: 'mod',
  [SortTarget.VALUE]: 'value',
};
const compareResults: Record<number, mvcc.CompareResult> = {
  [CompareResult.EQUAL]: 'equal',
  [CompareResult.GREATER]: 'greater',
  [CompareResult.LESS]: 'less',
  [CompareResult.NOT_EQUAL]: 'not_equal',
};
const compareTargets: Record<number, mvcc.CompareTarget> = {
  [CompareTarget.VERSION]: 'version',
  [CompareTarget.CREATE]: 'create',
  [CompareTarget.MOD]: 'mod',
  [CompareTarget.VALUE]: 'value',
  [CompareTarget.LEASE]: 'lease',
};

/** Thrown for an enum value etcd does not define; the caller answers INVALID_ARGUMENT. */
export class WireValueError extends Error {
  override name = 'WireValueError';
}

function enumIn<T>(table: Record<number, T>, v: number, what: string): T {
  const out = table[v];
  if (out === undefined) throw new WireValueError(`invalid ${what} ${v}`);
  return out;
}

function bytes(b: Buffer): Uint8Array {
  // Views into the received frame must not outlive the call: copy what is kept.
  return new Uint8Array(b);
}

/**
 * The sort of a Range as etcd 3.4's applier reads it: a sort order it does
 * not define matches neither ASCEND nor DESCEND, so nothing is sorted and
 * the keys come in key order, whatever the target. A target it does not
 * define, with a defined order, makes etcd sort with no comparator (a nil
 * dereference that stops the server); capstan refuses it instead.
 */
function sortIn(r: w.RangeRequest<'in'>): Pick<mvcc.RangeRequest, 'sortOrder' | 'sortTarget'> {
  if (sortOrders[r.sort_order] === undefined) return { sortOrder: 'none', sortTarget: 'key' };
  return {
    sortOrder: enumIn(sortOrders, r.sort_order, 'sort order'),
    sortTarget: enumIn(sortTargets, r.sort_target, 'sort target'),
  };
}

export function rangeIn(r: w.RangeRequest<'in'>): mvcc.RangeRequest {
  return {
    key: bytes(r.key),
    rangeEnd: bytes(r.range_end),
    limit: revisionIn(r.limit),
    revision: revisionIn(r.revision),
    ...sortIn(r),
    keysOnly: r.keys_only,
    countOnly: r.count_only,
    minModRevision: revisionIn(r.min_mod_revision),
    maxModRevision: revisionIn(r.max_mod_revision),
    minCreateRevision: revisionIn(r.min_create_revision),
    maxCreateRevision: revisionIn(r.max_create_revision),
  };
}

export function putIn(r: w.PutRequest<'in'>): mvcc.PutRequest {
  return {
    key: bytes(r.key),
    value: bytes(r.value),
    lease: idIn(r.lease),
    prevKv: r.prev_kv,
    ignoreValue: r.ignore_value,
    ignoreLease: r.ignore_lease,
  };
}

export function deleteRangeIn(r: w.DeleteRangeRequest<'in'>): mvcc.DeleteRangeRequest {
  return { key: bytes(r.key), rangeEnd: bytes(r.range_end), prevKv: r.prev_kv };
}

function compareIn(c: w.Compare<'in'>): mvcc.Compare {
  const out: mvcc.Compare = {
    result: enumIn(compareResults, c.result, 'compare result'),
    target: enumIn(compareTargets, c.target, 'compare target'),
    key: bytes(c.key),
    rangeEnd: bytes(c.range_end),
  };
  // The target decides which field is compared, whichever the oneof carries
  // (etcd reads the field named by the target; an unset one is its zero value).
  switch (c.target_union) {
    case 'version':
      out.version = revisionIn(c.version);
      break;
    case 'create_revision':
      out.createRevision = revisionIn(c.create_revision);
      break;
    case 'mod_revision':
      out.modRevision = revisionIn(c.mod_revision);
      break;
    case 'value':
      out.value = bytes(c.value);
      break;
    case 'lease':
      out.lease = idIn(c.lease);
      break;
    default:
      break;
  }
  return out;
}

function requestOpIn(op: w.RequestOp<'in'>): mvcc.RequestOp {
  switch (op.request) {
    case 'request_range':
      return { range: rangeIn(op.request_range) };
    case 'request_put':
      return { put: putIn(op.request_put) };
    case 'request_delete_range':
      return { deleteRange: deleteRangeIn(op.request_delete_range) };
    case 'request_txn':
      return { txn: txnIn(op.request_txn) };
    default:
      // An operation holding no request: validateTxn answers it as etcd's
      // checkRequestOp does ("key not found"), in etcd's order of checks.
      // It never reaches the state machine.
      return {} as mvcc.RequestOp;
  }
}

export function txnIn(r: w.TxnRequest<'in'>): mvcc.TxnRequest {
  return {
    compare: r.compare.map(compareIn),
    success: r.success.map(requestOpIn),
    failure: r.failure.map(requestOpIn),
  };
}

export function keyValueOut(kv: mvcc.KeyValue): w.KeyValue<'out'> {
  return {
    key: kv.key,
    create_revision: kv.createRevision,
    mod_revision: kv.modRevision,
    version: kv.version,
    value: kv.value,
    lease: leaseOut(kv.lease),
  };
}

export type HeaderFor = (revision: number) => w.ResponseHeader<'out'>;

export function rangeOut(r: mvcc.RangeResponse, header: HeaderFor): w.RangeResponse<'out'> {
  return { header: header(r.revision), kvs: r.kvs.map(keyValueOut), more: r.more, count: r.count };
}

export function putOut(r: mvcc.PutResponse, header: HeaderFor): w.PutResponse<'out'> {
  return { header: header(r.revision), prev_kv: r.prevKv ? keyValueOut(r.prevKv) : null };
}

export function deleteRangeOut(
  r: mvcc.DeleteRangeResponse,
  header: HeaderFor,
): w.DeleteRangeResponse<'out'> {
  return { header: header(r.revision), deleted: r.deleted, prev_kvs: r.prevKvs.map(keyValueOut) };
}

/**
 * Responses inside a Txn carry a header with only the revision, as etcd's
 * applier fills them; only the outermost response gets the full header.
 */
const nestedHeader: HeaderFor = (revision) => ({ revision });

function responseOpOut(op: mvcc.ResponseOp): w.ResponseOp<'out'> {
  if ('range' in op) return { response_range: rangeOut(op.range, nestedHeader) };
  if ('put' in op) return { response_put: putOut(op.put, nestedHeader) };
  if ('deleteRange' in op) {
    return { response_delete_range: deleteRangeOut(op.deleteRange, nestedHeader) };
  }
  return { response_txn: txnOut(op.txn, nestedHeader) };
}

export function txnOut(r: mvcc.TxnResponse, header: HeaderFor): w.TxnResponse<'out'> {
  return {
    header: header(r.revision),
    succeeded: r.succeeded,
    responses: r.responses.map(responseOpOut),
  };
}

export function memberOut(m: mvcc.Member): w.Member<'out'> {
  return {
    ID: idOut(m.id),
    name: m.name,
    peerURLs: m.peerUrls,
    clientURLs: m.clientUrls,
    isLearner: m.isLearner,
  };
}
