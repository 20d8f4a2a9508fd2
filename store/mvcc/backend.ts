// The storage the mvcc state machine writes through to: an ordered map of
// bytes to bytes. Two implementations pass one conformance suite
// (test/store/mvcc/backend-conformance.test.ts): LevelBackend (production)
// and MemoryBackend (tests).

import type { KeyRange } from './keys.js';

export type { KeyRange } from './keys.js';

export type BatchOp =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: Uint8Array };

export interface WriteOptions {
  /** Durable when the promise resolves (fsync), together with every earlier write. */
  sync?: boolean;
}

export type BackendEntry = readonly [key: Uint8Array, value: Uint8Array];

/**
 * Batches of entries in key order. The view is a snapshot taken when
 * `iterate()` was called: later writes are not seen. Breaking out of a
 * `for await` loop releases it; so does `close()`.
 */
export interface BackendIterator extends AsyncIterableIterator<BackendEntry[]> {
  close(): Promise<void>;
}

export interface Backend {
  /**
   * The value of `key`, read synchronously (writes still in flight may or
   * may not be visible: callers keep what they wrote until it resolves).
   */
  get(key: Uint8Array): Uint8Array | undefined;
  /** Applies the operations atomically, in order. */
  write(ops: readonly BatchOp[], options?: WriteOptions): Promise<void>;
  /** Entries with keys in [range.gte, range.lt), from a snapshot taken now. */
  iterate(range: KeyRange): BackendIterator;
  /** Deletes every key in the range. */
  clearRange(range: KeyRange): Promise<void>;
  /** Approximate bytes used by the range (level counts only what reached its tables). */
  approximateSize(range: KeyRange): Promise<number>;
  /**
   * Rewrites the stored range so that the space held by deleted and
   * overwritten entries is given back to the file system (etcd's defrag).
   * Reads and writes go on meanwhile; the contents do not change.
   */
  compact(range: KeyRange): Promise<void>;
  close(): Promise<void>;
}
