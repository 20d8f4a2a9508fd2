// Ranges of keys, and every range containing a given key, fast: a treap
// ordered by (start, id) whose nodes also hold the largest end of their
// subtree (an augmented search tree, CLRS §14.3). A stabbing query visits
// only subtrees that can hold a match, so it costs O(log n + matches)
// expected, whatever the number of ranges.
//
// Ends are exclusive; a null end is unbounded ("from key"). Keys are latin1
// strings, compared natively in byte order.

interface Node<T> {
  readonly start: string;
  readonly end: string | null;
  readonly id: number;
  readonly item: T;
  readonly priority: number;
  left: Node<T> | null;
  right: Node<T> | null;
  /** The largest end in this subtree (null: unbounded). */
  maxEnd: string | null;
}

function later(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return null;
  return a > b ? a : b;
}

/** Whether an exclusive end lies above key `p`. */
function above(end: string | null, p: string): boolean {
  return end === null || end > p;
}

function refresh<T>(n: Node<T>): void {
  let max = n.end;
  if (n.left !== null) max = later(max, n.left.maxEnd);
  if (n.right !== null) max = later(max, n.right.maxEnd);
  n.maxEnd = max;
}

function before<T>(a: Node<T>, b: { start: string; id: number }): boolean {
  return a.start < b.start || (a.start === b.start && a.id < b.id);
}

function merge<T>(a: Node<T> | null, b: Node<T> | null): Node<T> | null {
  if (a === null) return b;
  if (b === null) return a;
  if (a.priority > b.priority) {
    a.right = merge(a.right, b);
    refresh(a);
    return a;
  }
  b.left = merge(a, b.left);
  refresh(b);
  return b;
}

export class IntervalTreap<T> {
  private root: Node<T> | null = null;
  private count = 0;
  /** xorshift32 state: priorities are pseudo-random but the same in every run. */
  private seed = 0x9e3779b9;

  get size(): number {
    return this.count;
  }

  /** Adds [start, end) for `item`; `id` must be unique among the items held. */
  insert(start: string, end: string | null, id: number, item: T): void {
    const node: Node<T> = {
      start,
      end,
      id,
      item,
      priority: this.nextPriority(),
      left: null,
      right: null,
      maxEnd: end,
    };
    this.root = this.insertAt(this.root, node);
    this.count++;
  }

  /** Removes the range added with this start and id; false when there is none. */
  remove(start: string, id: number): boolean {
    const had = this.count;
    this.root = this.removeAt(this.root, { start, id });
    return this.count < had;
  }

  /** Calls `visit` with the item of every range holding `key` (start ≤ key < end). */
  stab(key: string, visit: (item: T) => void): void {
    stabFrom(this.root, key, visit);
  }

  /** Calls `visit` with every item, in (start, id) order. */
  forEach(visit: (item: T) => void): void {
    const stack: Node<T>[] = [];
    let n = this.root;
    while (n !== null || stack.length > 0) {
      while (n !== null) {
        stack.push(n);
        n = n.left;
      }
      const top = stack.pop()!;
      visit(top.item);
      n = top.right;
    }
  }

  private insertAt(n: Node<T> | null, x: Node<T>): Node<T> {
    if (n === null) return x;
    if (before(x, n)) {
      const l = this.insertAt(n.left, x);
      n.left = l;
      if (l.priority > n.priority) {
        n.left = l.right;
        refresh(n);
        l.right = n;
        refresh(l);
        return l;
      }
    } else {
      const r = this.insertAt(n.right, x);
      n.right = r;
      if (r.priority > n.priority) {
        n.right = r.left;
        refresh(n);
        r.left = n;
        refresh(r);
        return r;
      }
    }
    refresh(n);
    return n;
  }

  private removeAt(n: Node<T> | null, x: { start: string; id: number }): Node<T> | null {
    if (n === null) return null;
    if (n.start === x.start && n.id === x.id) {
      this.count--;
      return merge(n.left, n.right);
    }
    if (before(n, x)) n.right = this.removeAt(n.right, x);
    else n.left = this.removeAt(n.left, x);
    refresh(n);
    return n;
  }

  private nextPriority(): number {
    let s = this.seed;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.seed = s >>> 0;
    return this.seed;
  }
}

function stabFrom<T>(start: Node<T> | null, key: string, visit: (item: T) => void): void {
  let n = start;
  while (n !== null) {
    if (!above(n.maxEnd, key)) return;
    if (n.left !== null) stabFrom(n.left, key, visit);
    // This node and its right subtree start above the key: nothing there holds it.
    if (n.start > key) return;
    if (above(n.end, key)) visit(n.item);
    n = n.right;
  }
}
