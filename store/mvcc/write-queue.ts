// The ordered queue of backend work. Apply is synchronous; its batches (and
// the chunks of physical compactions) are written one after another in the
// order they were queued. Jobs that must see exactly the state as of some
// point — opening a snapshot iterator for export or hashing — are queued the
// same way, so they run after every batch queued before them and before any
// queued after.
//
// When the backend falls behind, consecutive batches waiting in the queue
// are written as one (each stays atomic inside the larger one, and later
// puts of the same key win): fewer, larger level writes cost less per record.
//
// A failed write leaves memory ahead of the disk for good: the queue stops
// writing, and flush() reports the failure from then on.

import type { Backend, BatchOp } from './backend.js';
import { mvccLimits } from './mvcc-limits.js';

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

type Item =
  | (Waiter & { kind: 'write'; ops: readonly BatchOp[]; sync: boolean; written?: () => void })
  | { kind: 'job'; run: () => Promise<void> };

export class WriteQueue {
  private readonly items: Item[] = [];
  private draining = false;
  private failure: Error | undefined;

  constructor(private readonly backend: Backend) {}

  /** The first write failure, if any. */
  failed(): Error | undefined {
    return this.failure;
  }

  /**
   * Runs `job` after everything queued before it. The result may be
   * ignored: a rejection never goes unhandled. When `fatal` (the job writes),
   * its failure stops all later work as a failed write does.
   */
  run<T>(job: () => Promise<T> | T, fatal = false): Promise<T> {
    const result = new Promise<T>((resolve, reject) => {
      this.items.push({
        kind: 'job',
        run: async () => {
          try {
            if (this.failure !== undefined) throw this.failure;
            resolve(await job());
          } catch (err) {
            if (fatal) this.failure ??= err instanceof Error ? err : new Error(String(err));
            reject(err);
          }
        },
      });
    });
    result.catch(() => undefined);
    this.kick();
    return result;
  }

  /**
   * Queues one atomic batch; `written` runs once it is on the backend. A
   * failure stops all later writes and is reported by flush().
   */
  write(ops: readonly BatchOp[], sync: boolean, written?: () => void): Promise<void> {
    const result = new Promise<void>((resolve, reject) => {
      const item: Item = { kind: 'write', ops, sync, resolve, reject };
      if (written !== undefined) item.written = written;
      this.items.push(item);
    });
    result.catch(() => undefined);
    this.kick();
    return result;
  }

  /** Resolves once everything queued so far is done; rejects after a write failure. */
  async flush(): Promise<void> {
    await this.run(() => undefined).catch(() => undefined);
    if (this.failure !== undefined) throw this.failure;
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = true;
    void this.drain().finally(() => {
      this.draining = false;
      if (this.items.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.items.length > 0) {
      const first = this.items[0]!;
      if (first.kind === 'job') {
        this.items.shift();
        await first.run();
        continue;
      }
      const group = this.takeWrites();
      if (this.failure !== undefined) {
        for (const w of group) w.reject(this.failure);
        continue;
      }
      const ops = group.length === 1 ? group[0]!.ops : group.flatMap((w) => w.ops);
      try {
        await this.backend.write(ops, { sync: group.some((w) => w.sync) });
      } catch (err) {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
        for (const w of group) w.reject(this.failure);
        continue;
      }
      for (const w of group) {
        w.written?.();
        w.resolve();
      }
    }
  }

  /** The writes at the head of the queue, as many as fit one merged batch. */
  private takeWrites(): Extract<Item, { kind: 'write' }>[] {
    const group: Extract<Item, { kind: 'write' }>[] = [];
    let ops = 0;
    while (this.items.length > 0) {
      const next = this.items[0]!;
      if (next.kind !== 'write') break;
      if (group.length > 0 && ops + next.ops.length > mvccLimits.mergedBatchOps) break;
      group.push(next);
      ops += next.ops.length;
      this.items.shift();
    }
    return group;
  }
}
