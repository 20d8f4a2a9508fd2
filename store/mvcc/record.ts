// The stored form of one revision of one key, under its revision key
// ('r' + main + sub). A checksummed msgpack tuple (codec.ts):
//   [key, value, createRevision, version, lease]   a put
//   [key]                                          a tombstone (delete)
// The mod revision is the main revision of the record's key, so it is not
// repeated in the value.

import { decodeRecord, encodeRecord } from '../backend/codec.js';
import { MvccCorruptionError } from './errors.js';
import type { KeyValue, Revision } from './types.js';

const minSafe = BigInt(Number.MIN_SAFE_INTEGER);
const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);

export function encodePutRecord(kv: KeyValue): Uint8Array {
  // A lease that fits a double is stored as a number: smaller, and msgpackr
  // packs it faster than a bigint (decoding turns it back into a bigint).
  const lease = kv.lease >= minSafe && kv.lease <= maxSafe ? Number(kv.lease) : kv.lease;
  return encodeRecord([kv.key, kv.value, kv.createRevision, kv.version, lease]);
}

export function encodeTombstoneRecord(key: Uint8Array): Uint8Array {
  return encodeRecord([key]);
}

export interface RevisionRecord {
  key: Uint8Array;
  /** Undefined for a tombstone. */
  kv: KeyValue | undefined;
}

function isSafeInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x);
}

/**
 * Decodes the record stored for revision `main`; throws MvccCorruptionError
 * when it is damaged or not a revision record (`where` names it).
 */
export function decodeRevisionRecord(
  value: Uint8Array,
  main: Revision,
  where: string,
): RevisionRecord {
  let tuple: unknown;
  try {
    tuple = decodeRecord<unknown>(value);
  } catch {
    tuple = undefined;
  }
  if (!Array.isArray(tuple) || !(tuple[0] instanceof Uint8Array)) {
    throw new MvccCorruptionError(`mvcc: damaged revision record ${where}`);
  }
  const key = tuple[0];
  if (tuple.length === 1) return { key, kv: undefined };
  const [, val, createRevision, version, rawLease] = tuple as unknown[];
  // Small lease ids decode as numbers: msgpack keeps the shortest integer form.
  const lease =
    typeof rawLease === 'bigint' ? rawLease : isSafeInt(rawLease) ? BigInt(rawLease) : undefined;
  if (
    tuple.length !== 5 ||
    !(val instanceof Uint8Array) ||
    !isSafeInt(createRevision) ||
    !isSafeInt(version) ||
    lease === undefined
  ) {
    throw new MvccCorruptionError(`mvcc: damaged revision record ${where}`);
  }
  return { key, kv: { key, createRevision, modRevision: main, version, value: val, lease } };
}
