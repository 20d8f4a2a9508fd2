// Every key of the raft log database, in one place.
//
// One byte names the record kind. Entry keys append the index as 8 bytes
// big-endian, so level's byte order is index order and a range of keys is a
// range of the log. The kinds are ASCII letters chosen so that all entry keys
// sort together ('e' < 'h' < 'i' < 's').

/** Hard state: term, vote, commit. */
export const hardStateKey: Uint8Array = Uint8Array.of(0x68); // 'h'
/** Snapshot record: snapshot metadata and data, plus the log start (compaction point). */
export const snapshotKey: Uint8Array = Uint8Array.of(0x73); // 's'
/** Member identity: member id and cluster id. */
export const identityKey: Uint8Array = Uint8Array.of(0x69); // 'i'

const entryPrefix = 0x65; // 'e'
/** Bytes of an entry key: the prefix, then the index as a big-endian uint64. */
export const entryKeyBytes = 9;

/** The key of the entry at `index` (a non-negative safe integer). */
export function entryKey(index: number): Uint8Array {
  // Two 32-bit halves instead of a BigInt, and a pooled Buffer: one key per
  // entry is on the hot path of every save. Keys go straight into a level
  // batch; one kept for long would pin its pool slab.
  const key = Buffer.allocUnsafe(entryKeyBytes);
  key[0] = entryPrefix;
  key.writeUInt32BE(Math.floor(index / 0x1_0000_0000), 1);
  key.writeUInt32BE(index >>> 0, 5);
  return key;
}

/** Bounds (inclusive) covering every possible entry key. */
export const firstEntryKey: Uint8Array = Uint8Array.from(entryKey(0));
export const lastEntryKey: Uint8Array = (() => {
  const key = new Uint8Array(entryKeyBytes).fill(0xff);
  key[0] = entryPrefix;
  return key;
})();

/**
 * The index an entry key names, or undefined if `key` is not a well-formed
 * entry key (wrong length or an index beyond the safe integers).
 */
export function entryIndexOf(key: Uint8Array): number | undefined {
  if (key.length !== entryKeyBytes || key[0] !== entryPrefix) return undefined;
  const big = new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(1);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : undefined;
}

/** A readable name for a key, for error messages and logs: `h`, `s`, `i`, `e/42`. */
export function describeKey(key: Uint8Array): string {
  const index = entryIndexOf(key);
  if (index !== undefined) return `e/${index}`;
  if (key.length === 1) return String.fromCharCode(key[0]!);
  return `0x${Buffer.from(key).toString('hex')}`;
}
