// How the typed client crosses the wire: every int64/uint64 of the etcd API
// (revisions, versions, lease ids, member and cluster ids, watch ids) is a
// `bigint` in the client's API, so nothing above 2^53 loses precision; on
// the wire it is a decimal string (protos.ts loads with `longs: String`).
// Keys and values go in as `string | Uint8Array` (strings as UTF-8) and come
// out as Buffers the client owns (copied out of the received frame).

import type * as w from '../server/grpc/wire-types.js';

/** A key or value as callers give it: a string is encoded as UTF-8. */
export type Bytes = string | Uint8Array;

/** A revision of the store (int64). */
export type Revision = bigint;
/** A lease id (int64, client-chosen or server-assigned). */
export type LeaseId = bigint;
/** A member or cluster id (uint64). */
export type MemberId = bigint;

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
const uint64Max = 2n ** 64n - 1n;

export class Int64RangeError extends RangeError {
  override name = 'Int64RangeError';
}

function asBigint(v: bigint | number, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (!Number.isSafeInteger(v)) {
    throw new Int64RangeError(`${what} must be a safe integer or a bigint, got ${v}`);
  }
  return BigInt(v);
}

/** An int64 for the wire; refuses what would wrap or be rounded. */
export function int64Out(v: bigint | number, what = 'int64'): string {
  const b = asBigint(v, what);
  if (b < int64Min || b > int64Max) throw new Int64RangeError(`${what} out of int64 range: ${b}`);
  return b.toString();
}

/** A uint64 (member ids) for the wire. */
export function uint64Out(v: bigint | number, what = 'uint64'): string {
  const b = asBigint(v, what);
  if (b < 0n || b > uint64Max) throw new Int64RangeError(`${what} out of uint64 range: ${b}`);
  return b.toString();
}

/** A received int64/uint64 (a decimal string; '' or absent reads as 0). */
export function int64In(s: string | undefined | null): bigint {
  return s === undefined || s === null || s === '' ? 0n : BigInt(s);
}

/**
 * A received int64 that is a small count, such as a TTL in seconds (etcd
 * caps lease TTLs at 9e9 s, far below 2^53): a plain number.
 */
export function smallIntIn(s: string | undefined | null): number {
  return Number(int64In(s));
}

export function bytesOut(b: Bytes): Buffer {
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** A copy of received bytes, so the frame they arrived in can be freed. */
export function bytesIn(b: Buffer | undefined | null): Buffer {
  return b === undefined || b === null ? Buffer.alloc(0) : Buffer.from(b);
}

/** A lease or member id as etcdctl prints and reads it: lowercase hex. */
export function hexOf(id: bigint): string {
  return id.toString(16);
}

/** Parses hex as etcdctl does for lease and member ids (no 0x, at most 64 bits). */
export function parseHexId(s: string): bigint {
  if (!/^[0-9a-fA-F]{1,16}$/.test(s)) {
    throw new Int64RangeError(`bad id "${s}": expected at most 16 hex digits`);
  }
  return BigInt(`0x${s}`);
}

// ---------------------------------------------------------------- records

export interface ResponseHeader {
  clusterId: MemberId;
  memberId: MemberId;
  revision: Revision;
  raftTerm: bigint;
}

export interface KeyValue {
  key: Buffer;
  value: Buffer;
  createRevision: Revision;
  modRevision: Revision;
  version: bigint;
  lease: LeaseId;
}

export function headerIn(h: w.ResponseHeader<'in'> | null | undefined): ResponseHeader {
  return {
    clusterId: int64In(h?.cluster_id),
    memberId: int64In(h?.member_id),
    revision: int64In(h?.revision),
    raftTerm: int64In(h?.raft_term),
  };
}

export function keyValueIn(kv: w.KeyValue<'in'>): KeyValue {
  return {
    key: bytesIn(kv.key),
    value: bytesIn(kv.value),
    createRevision: int64In(kv.create_revision),
    modRevision: int64In(kv.mod_revision),
    version: int64In(kv.version),
    lease: int64In(kv.lease),
  };
}
