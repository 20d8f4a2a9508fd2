// Lease ids keyed by a due time, soonest first: the lessor keeps one for
// expiries and one for checkpoints. Each id is due at most once: setting it
// again replaces its time. A binary heap with lazy deletion — replaced or
// removed entries stay in the heap and are skipped when they surface — so
// every operation is O(log n) and nothing scans all leases.

interface Slot {
  atMs: number;
  id: bigint;
}

export class TimeQueue {
  private heap: Slot[] = [];
  /** The one live due time of each id. */
  private readonly due = new Map<bigint, number>();

  get size(): number {
    return this.due.size;
  }

  has(id: bigint): boolean {
    return this.due.has(id);
  }

  dueAt(id: bigint): number | undefined {
    return this.due.get(id);
  }

  set(id: bigint, atMs: number): void {
    if (this.due.get(id) === atMs) return;
    this.due.set(id, atMs);
    this.push({ atMs, id });
    // Stale slots may pile up when the same ids are re-set often (renewals):
    // rebuild once they outnumber the live ones.
    if (this.heap.length > 2 * this.due.size + 64) this.rebuild();
  }

  delete(id: bigint): void {
    this.due.delete(id);
  }

  clear(): void {
    this.heap = [];
    this.due.clear();
  }

  /** The soonest live entry, if any, without removing it. */
  peek(): Slot | undefined {
    this.dropStale();
    return this.heap[0];
  }

  /** Removes and returns the soonest entry if it is due at `nowMs` (its time ≤ now). */
  popDue(nowMs: number): Slot | undefined {
    const top = this.peek();
    if (top === undefined || top.atMs > nowMs) return undefined;
    this.pop();
    this.due.delete(top.id);
    return top;
  }

  private dropStale(): void {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      if (this.due.get(top.id) === top.atMs) return;
      this.pop();
    }
  }

  private rebuild(): void {
    this.heap = [...this.due].map(([id, atMs]) => ({ atMs, id }));
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private push(s: Slot): void {
    this.heap.push(s);
    this.up(this.heap.length - 1);
  }

  private pop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    this.down(0);
  }

  private less(i: number, j: number): boolean {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.id < b.id);
  }

  private swap(i: number, j: number): void {
    const t = this.heap[i]!;
    this.heap[i] = this.heap[j]!;
    this.heap[j] = t;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
