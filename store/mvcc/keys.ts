// Every key of the mvcc database, and the two key forms used in memory.
//
// On disk one ASCII letter names the record kind:
//   'c/' + member id (8 bytes)     → member record
//   'l/' + lease id (8 bytes)      → lease record
//   'm/applied' | 'm/compacted' | 'm/scheduled-compact' → meta records
//   'm/alarm/' + member id (8) + alarm type (1) → an active alarm
//   'r' + main (8) + sub (8)       → one revision of one key
//   'x' + any of the above         → staged snapshot data (while importing)
//   'z/import'                     → marker: a complete staged snapshot awaits install
// Integers are big-endian, so byte order is revision order and a revision
// range is a key range. The live state is the key range ['c', 'x').
//
// In memory, user keys are latin1 strings (one char per byte): JavaScript
// compares such strings in byte order natively, which makes them fast B+ tree
// keys.

const utf8 = new TextEncoder();

export const memberPrefix = utf8.encode('c/');
export const leasePrefix = utf8.encode('l/');
export const alarmPrefix = utf8.encode('m/alarm/');
export const appliedKey = utf8.encode('m/applied');
export const compactedKey = utf8.encode('m/compacted');
export const scheduledCompactKey = utf8.encode('m/scheduled-compact');
export const importMarkerKey = utf8.encode('z/import');

const revisionPrefix = 0x72; // 'r'
export const stagingPrefix = 0x78; // 'x'

/** Bytes of a revision key: the prefix, then main and sub as big-endian uint64. */
export const revisionKeyBytes = 17;

export interface KeyRange {
  /** Inclusive lower bound. */
  gte: Uint8Array;
  /** Exclusive upper bound. */
  lt: Uint8Array;
}

/** Everything that makes up the live state (members, meta, revisions). */
export const stateRange: KeyRange = { gte: Uint8Array.of(0x63), lt: Uint8Array.of(stagingPrefix) };
/** Staged snapshot data. */
export const stagingRange: KeyRange = {
  gte: Uint8Array.of(stagingPrefix),
  lt: Uint8Array.of(stagingPrefix + 1),
};
export const memberRange: KeyRange = { gte: memberPrefix, lt: utf8.encode('c0') };
export const leaseRange: KeyRange = { gte: leasePrefix, lt: utf8.encode('l0') };
export const alarmRange: KeyRange = { gte: alarmPrefix, lt: utf8.encode('m/alarm0') };

const twoTo32 = 0x1_0000_0000;

function readUint64(key: Uint8Array, at: number): number {
  const hi = ((key[at]! << 24) | (key[at + 1]! << 16) | (key[at + 2]! << 8) | key[at + 3]!) >>> 0;
  const lo =
    ((key[at + 4]! << 24) | (key[at + 5]! << 16) | (key[at + 6]! << 8) | key[at + 7]!) >>> 0;
  return hi * twoTo32 + lo;
}

/** The key of revision (main, sub); both are non-negative safe integers. */
export function revisionKey(main: number, sub: number): Uint8Array {
  // A pooled Buffer: one key per write is on the hot path, and level copies it.
  const key = Buffer.allocUnsafe(revisionKeyBytes);
  key[0] = revisionPrefix;
  key.writeUInt32BE(Math.floor(main / twoTo32), 1);
  key.writeUInt32BE(main >>> 0, 5);
  key.writeUInt32BE(Math.floor(sub / twoTo32), 9);
  key.writeUInt32BE(sub >>> 0, 13);
  return key;
}

/** Keys of every revision with main in [fromMain, toMain). */
export function revisionRange(fromMain: number, toMain: number): KeyRange {
  return { gte: revisionKey(fromMain, 0), lt: revisionKey(toMain, 0) };
}

export function isRevisionKey(key: Uint8Array): boolean {
  return key.length === revisionKeyBytes && key[0] === revisionPrefix;
}

export function mainOfRevisionKey(key: Uint8Array): number {
  return readUint64(key, 1);
}

export function subOfRevisionKey(key: Uint8Array): number {
  return readUint64(key, 9);
}

/** The key of a member record. Member ids are uint64. */
export function memberKey(id: bigint): Uint8Array {
  const key = new Uint8Array(memberPrefix.length + 8);
  key.set(memberPrefix);
  new DataView(key.buffer).setBigUint64(memberPrefix.length, BigInt.asUintN(64, id));
  return key;
}

/** The key of a lease record. Lease ids are int64, stored as their two's complement. */
export function leaseKey(id: bigint): Uint8Array {
  const key = new Uint8Array(leasePrefix.length + 8);
  key.set(leasePrefix);
  new DataView(key.buffer).setBigUint64(leasePrefix.length, BigInt.asUintN(64, id));
  return key;
}

/** The key of an active alarm of one member. */
export function alarmKey(memberId: bigint, alarm: number): Uint8Array {
  const key = new Uint8Array(alarmPrefix.length + 9);
  key.set(alarmPrefix);
  new DataView(key.buffer).setBigUint64(alarmPrefix.length, BigInt.asUintN(64, memberId));
  key[alarmPrefix.length + 8] = alarm;
  return key;
}

/** `key` with the staging prefix in front. */
export function stagedKey(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out[0] = stagingPrefix;
  out.set(key, 1);
  return out;
}

// Buffer's own latin1 decoder, applied to any Uint8Array: about 3x faster
// than wrapping the array in a Buffer first (measured: 0.1 vs 0.35 µs for a
// 35-byte key), and it runs for every request.
const latin1Slice = (
  Buffer.prototype as unknown as {
    latin1Slice(this: Uint8Array, start: number, end: number): string;
  }
).latin1Slice;

/** The in-memory form of a user key: one latin1 char per byte. */
export function toIndexKey(key: Uint8Array): string {
  return latin1Slice.call(key, 0, key.length);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/**
 * `bytes` as an array that owns its memory. Decoded requests are often views
 * into a larger buffer (a whole raft entry batch); keeping such a view as a
 * stored value would keep the whole buffer alive.
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  return new Uint8Array(bytes);
}
