// A backend wrapper that simulates a crash: after `crash()` (or once a
// given number of further writes went through) writes are silently lost —
// they never reach the wrapped backend and never resolve, as a process that
// died with them queued. Reads keep working, so the store under test can be
// abandoned and a new one opened on the wrapped backend.

import type {
  Backend,
  BackendIterator,
  BatchOp,
  KeyRange,
  WriteOptions,
} from '../../../store/mvcc/backend.js';

export class CrashBackend implements Backend {
  private writesLeft = Infinity;
  /** Writes that were lost. */
  lost = 0;

  constructor(readonly inner: Backend) {}

  /** Every later write is lost. */
  crash(): void {
    this.writesLeft = 0;
  }

  /** The next `n` writes go through, every later one is lost. */
  crashAfter(n: number): void {
    this.writesLeft = n;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.inner.get(key);
  }

  write(ops: readonly BatchOp[], options?: WriteOptions): Promise<void> {
    if (this.writesLeft <= 0) {
      this.lost++;
      return new Promise<void>(() => undefined);
    }
    this.writesLeft--;
    return this.inner.write(ops, options);
  }

  iterate(range: KeyRange): BackendIterator {
    return this.inner.iterate(range);
  }

  clearRange(range: KeyRange): Promise<void> {
    return this.inner.clearRange(range);
  }

  approximateSize(range: KeyRange): Promise<number> {
    return this.inner.approximateSize(range);
  }

  compact(range: KeyRange): Promise<void> {
    return this.inner.compact(range);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
