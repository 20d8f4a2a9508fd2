// Range, Put and DeleteRange as the typed client offers them: friendly
// options in, etcd's wire requests out; wire responses in, records with
// bigint numbers and owned Buffers out.

import type * as w from '../server/grpc/wire-types.js';
import { SortOrder, SortTarget } from '../server/grpc/wire-types.js';
import {
  bytesOut,
  headerIn,
  int64In,
  int64Out,
  keyValueIn,
  type Bytes,
  type KeyValue,
  type LeaseId,
  type ResponseHeader,
  type Revision,
} from './codec.js';

/** Which keys a request covers: one key, a prefix, everything from a key on, or [key, rangeEnd). */
export interface KeyRangeOptions {
  prefix?: boolean;
  fromKey?: boolean;
  rangeEnd?: Bytes;
}

/** The key just past every key that starts with `prefix` (etcd's GetPrefixRangeEnd). */
export function prefixEnd(prefix: Uint8Array): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  // Every byte is 0xff: no key is past the prefix, so the range is open-ended.
  return Buffer.from([0]);
}

const zero = (): Buffer => Buffer.from([0]);

/**
 * The wire key and range_end, as etcd's client computes them. An empty key
 * with `prefix` or `fromKey` means every key ("\0" to "\0").
 */
export function keyRange(key: Bytes, o: KeyRangeOptions = {}): { key: Buffer; range_end?: Buffer } {
  const given = [o.prefix === true, o.fromKey === true, o.rangeEnd !== undefined].filter(Boolean);
  if (given.length > 1) {
    throw new TypeError('capstan client: give at most one of prefix, fromKey and rangeEnd');
  }
  const k = bytesOut(key);
  if ((o.prefix || o.fromKey) && k.length === 0) return { key: zero(), range_end: zero() };
  if (o.prefix) return { key: k, range_end: prefixEnd(k) };
  if (o.fromKey) return { key: k, range_end: zero() };
  if (o.rangeEnd !== undefined) return { key: k, range_end: bytesOut(o.rangeEnd) };
  return { key: k };
}

export type SortTargetName = 'key' | 'version' | 'create' | 'mod' | 'value';
export type SortOrderName = 'none' | 'ascend' | 'descend';

const sortTargets = {
  key: SortTarget.KEY,
  version: SortTarget.VERSION,
  create: SortTarget.CREATE,
  mod: SortTarget.MOD,
  value: SortTarget.VALUE,
} as const;
const sortOrders = {
  none: SortOrder.NONE,
  ascend: SortOrder.ASCEND,
  descend: SortOrder.DESCEND,
} as const;

export interface RangeOptions extends KeyRangeOptions {
  /** At most this many keys (0: no limit, as etcd). */
  limit?: number | bigint;
  /** Read the store as of this revision (0: the latest). */
  revision?: Revision | number;
  /** Sort by a field; the order defaults to ascending when a target is given. */
  sort?: { target?: SortTargetName; order?: SortOrderName };
  keysOnly?: boolean;
  countOnly?: boolean;
  /** A serializable read: served by the member alone, possibly stale. */
  serializable?: boolean;
  minModRevision?: Revision | number;
  maxModRevision?: Revision | number;
  minCreateRevision?: Revision | number;
  maxCreateRevision?: Revision | number;
}

export interface RangeResult {
  header: ResponseHeader;
  kvs: KeyValue[];
  /** More keys matched than `limit` returned. */
  more: boolean;
  /** How many keys matched. */
  count: bigint;
}

export function rangeRequest(key: Bytes, o: RangeOptions = {}): w.RangeRequest<'out'> {
  const target = o.sort?.target;
  const order = o.sort?.order ?? (target !== undefined ? 'ascend' : 'none');
  return {
    ...keyRange(key, o),
    limit: int64Out(o.limit ?? 0, 'limit'),
    revision: int64Out(o.revision ?? 0, 'revision'),
    sort_target: sortTargets[target ?? 'key'],
    sort_order: sortOrders[order],
    keys_only: o.keysOnly === true,
    count_only: o.countOnly === true,
    serializable: o.serializable === true,
    min_mod_revision: int64Out(o.minModRevision ?? 0, 'minModRevision'),
    max_mod_revision: int64Out(o.maxModRevision ?? 0, 'maxModRevision'),
    min_create_revision: int64Out(o.minCreateRevision ?? 0, 'minCreateRevision'),
    max_create_revision: int64Out(o.maxCreateRevision ?? 0, 'maxCreateRevision'),
  };
}

export function rangeResult(r: w.RangeResponse<'in'>): RangeResult {
  return {
    header: headerIn(r.header),
    kvs: r.kvs.map(keyValueIn),
    more: r.more,
    count: int64In(r.count),
  };
}

export interface PutOptions {
  /** Return the key-value pair before the put. */
  prevKv?: boolean;
  /** Attach the key to this lease (0n or absent: no lease). */
  lease?: LeaseId;
  /** Keep the current value (the key must exist). */
  ignoreValue?: boolean;
  /** Keep the current lease (the key must exist). */
  ignoreLease?: boolean;
}

export interface PutResult {
  header: ResponseHeader;
  prevKv: KeyValue | undefined;
}

export function putRequest(key: Bytes, value: Bytes, o: PutOptions = {}): w.PutRequest<'out'> {
  return {
    key: bytesOut(key),
    value: o.ignoreValue ? Buffer.alloc(0) : bytesOut(value),
    lease: int64Out(o.lease ?? 0n, 'lease'),
    prev_kv: o.prevKv === true,
    ignore_value: o.ignoreValue === true,
    ignore_lease: o.ignoreLease === true,
  };
}

export function putResult(r: w.PutResponse<'in'>): PutResult {
  return { header: headerIn(r.header), prevKv: r.prev_kv ? keyValueIn(r.prev_kv) : undefined };
}

export interface DeleteOptions extends KeyRangeOptions {
  /** Return the deleted key-value pairs. */
  prevKv?: boolean;
}

export interface DeleteResult {
  header: ResponseHeader;
  deleted: bigint;
  prevKvs: KeyValue[];
}

export function deleteRequest(key: Bytes, o: DeleteOptions = {}): w.DeleteRangeRequest<'out'> {
  return { ...keyRange(key, o), prev_kv: o.prevKv === true };
}

export function deleteResult(r: w.DeleteRangeResponse<'in'>): DeleteResult {
  return {
    header: headerIn(r.header),
    deleted: int64In(r.deleted),
    prevKvs: r.prev_kvs.map(keyValueIn),
  };
}
