// The keys one watcher asks for, in the key index's form: latin1 strings
// (one char per byte), which JavaScript compares in byte order.
//
// etcd's range_end rules, as its watch stream reads them (v3rpc/watch.go):
// an empty range_end is the single key, a range_end of one zero byte is
// every key from `key` on, anything else is the half-open range [key, end).

import { toIndexKey } from '../keys.js';

export interface WatchRange {
  readonly key: string;
  /** undefined: the single key `key`; null: every key from `key` on; else the exclusive end. */
  readonly end: string | null | undefined;
}

export function watchRange(key: Uint8Array, rangeEnd: Uint8Array | undefined): WatchRange {
  const k = toIndexKey(key);
  if (rangeEnd === undefined || rangeEnd.length === 0) return { key: k, end: undefined };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { key: k, end: null };
  return { key: k, end: toIndexKey(rangeEnd) };
}

/** A range that can match nothing: an explicit end at or below the key (etcd refuses it). */
export function isEmptyRange(r: WatchRange): boolean {
  return typeof r.end === 'string' && r.end <= r.key;
}

export function inRange(r: WatchRange, key: string): boolean {
  if (r.end === undefined) return key === r.key;
  return key >= r.key && (r.end === null || key < r.end);
}
