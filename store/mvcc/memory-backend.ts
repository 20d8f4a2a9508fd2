// The in-memory backend for tests: an ordered map (B+ tree) of latin1
// strings to bytes. Writes land on a later turn of the event loop, as a real
// disk write would, so callers exercise the window in which a write is in
// flight; iterators read from an O(1) copy-on-write clone of the tree.

import { stringTree } from './btree.js';
import type {
  Backend,
  BackendEntry,
  BackendIterator,
  BatchOp,
  KeyRange,
  WriteOptions,
} from './backend.js';
import { toIndexKey } from './keys.js';
import { mvccLimits } from './mvcc-limits.js';

function toBytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

/** The data of a MemoryBackend; reopening shares it, as a directory is shared. */
class MemoryData {
  tree = stringTree<Uint8Array>();
}

export class MemoryBackend implements Backend {
  private closed = false;

  constructor(private readonly data = new MemoryData()) {}

  /** A new handle on the same data, as opening the same directory again would give. */
  reopen(): MemoryBackend {
    return new MemoryBackend(this.data);
  }

  private check(): void {
    if (this.closed) throw new Error('MemoryBackend is closed');
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.check();
    return this.data.tree.get(toIndexKey(key));
  }

  write(ops: readonly BatchOp[], _options?: WriteOptions): Promise<void> {
    this.check();
    // Copy now: the caller may reuse its arrays once write() returns.
    const copied = ops.map((op) =>
      op.type === 'put'
        ? ([toIndexKey(op.key), new Uint8Array(op.value)] as const)
        : ([toIndexKey(op.key), undefined] as const),
    );
    return new Promise((resolve) => {
      setImmediate(() => {
        for (const [key, value] of copied) {
          if (value === undefined) this.data.tree.delete(key);
          else this.data.tree.set(key, value);
        }
        resolve();
      });
    });
  }

  iterate(range: KeyRange): BackendIterator {
    this.check();
    const snapshot = this.data.tree.clone();
    const low = toIndexKey(range.gte);
    const high = toIndexKey(range.lt);
    const entries = snapshot.entries(low);
    let done = false;
    const iterator: BackendIterator = {
      next(): Promise<IteratorResult<BackendEntry[]>> {
        const batch: BackendEntry[] = [];
        while (!done && batch.length < mvccLimits.scanBatchEntries) {
          const step = entries.next();
          if (step.done === true || step.value[0] >= high) done = true;
          else batch.push([toBytes(step.value[0]), step.value[1]]);
        }
        if (batch.length === 0) return Promise.resolve({ done: true, value: undefined });
        return Promise.resolve({ done: false, value: batch });
      },
      return(): Promise<IteratorResult<BackendEntry[]>> {
        done = true;
        return Promise.resolve({ done: true, value: undefined });
      },
      close(): Promise<void> {
        done = true;
        return Promise.resolve();
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  clearRange(range: KeyRange): Promise<void> {
    this.check();
    const low = toIndexKey(range.gte);
    const high = toIndexKey(range.lt);
    return new Promise((resolve) => {
      setImmediate(() => {
        if (low < high) this.data.tree.deleteRange(low, high, false);
        resolve();
      });
    });
  }

  approximateSize(range: KeyRange): Promise<number> {
    this.check();
    const low = toIndexKey(range.gte);
    const high = toIndexKey(range.lt);
    let bytes = 0;
    if (low < high) {
      this.data.tree.forRange(low, high, false, (k, v) => {
        bytes += k.length + v.length;
      });
    }
    return Promise.resolve(bytes);
  }

  /** Nothing to give back: deleted entries leave the tree at once. */
  compact(_range: KeyRange): Promise<void> {
    this.check();
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
