// Requests waiting for their proposal to be applied. A request id is this
// member's id plus a counter, carried in the replicated command; only the
// member that proposed it resolves it (every member applies the entry).

import { etcdError } from '../errors.js';

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
}

export class ProposalWaiters<T> {
  private next = 1;
  private readonly waiting = new Map<number, Waiter<T>>();

  constructor(private readonly timeoutMs: number) {}

  get size(): number {
    return this.waiting.size;
  }

  /** Registers a new request; returns its id and the promise of its result. */
  register(): { id: number; result: Promise<T> } {
    const id = this.next++;
    const result = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(etcdError('Timeout'));
      }, this.timeoutMs);
      timer.unref();
      this.waiting.set(id, { resolve, reject, timer });
    });
    return { id, result };
  }

  resolve(id: number, value: T): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    w.resolve(value);
  }

  reject(id: number, err: unknown): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    w.reject(err);
  }

  /** Fails every waiting request (shutdown). */
  rejectAll(err: unknown): void {
    for (const id of [...this.waiting.keys()]) this.reject(id, err);
  }
}
