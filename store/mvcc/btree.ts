// sorted-btree is a CommonJS package whose class is `exports.default`: under
// Node's ESM the default import is the whole module object. One place
// resolves that, typed, and supplies the comparator for string keys.
import sortedBtree from 'sorted-btree';

export const BTree = sortedBtree.default;
export type BTree<K, V> = InstanceType<typeof sortedBtree.default<K, V>>;

/**
 * Plain string order (UTF-16 code units: byte order for latin1 strings).
 * The library's default comparator first checks for numbers and mixed
 * types, which made it the largest cost of a key lookup.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An empty tree of string keys. */
export function stringTree<V>(): BTree<string, V> {
  return new BTree<string, V>(undefined, compareStrings);
}
