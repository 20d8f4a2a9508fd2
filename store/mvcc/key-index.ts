// The revision history of one key, as etcd's keyIndex (mvcc/key_index.go)
// keeps it: a list of generations, each the revisions from a creation up to
// and including the tombstone that ended it. The last generation is the
// current one; it is empty while the key is deleted.
//
// A generation is a flat array of (main, sub) pairs — [m0, s0, m1, s1, …] in
// increasing order — so a key costs a few arrays, not an object per revision.
//
// Besides the history, the key keeps its live value (`latest`) so reads at
// the current revision never touch the disk, and the values it superseded
// that are not yet on the backend (`unflushed`), so history reads find them.

import type { KeyValue, Revision } from './types.js';

/** Where a revision lookup writes its answer, to avoid an allocation per key. */
export interface RevisionRef {
  main: Revision;
  sub: number;
}

/** Receives the revisions removed from the index by a compaction. */
export interface RevisionSink {
  add(main: Revision, sub: number): void;
}

/** Index of the last pair in `g` whose main revision is ≤ atRev, or -1. */
function lastPairAtOrBelow(g: number[], atRev: Revision): number {
  let lo = 0;
  let hi = g.length / 2 - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (g[2 * mid]! <= atRev) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

export class KeyIndex {
  /** Generations, oldest first; never empty. */
  gens: number[][] = [[]];
  /** The live version, undefined while the key is deleted. */
  latest: KeyValue | undefined = undefined;
  /** Superseded versions whose records may not be on the backend yet. */
  unflushed: KeyValue[] | undefined = undefined;

  constructor(readonly key: Uint8Array) {}

  private current(): number[] {
    return this.gens[this.gens.length - 1]!;
  }

  /** Records a put at (main, sub), continuing or starting the current generation. */
  appendPut(main: Revision, sub: number): void {
    this.current().push(main, sub);
  }

  /** Records a delete at (main, sub): it ends the current generation. */
  appendTombstone(main: Revision, sub: number): void {
    this.current().push(main, sub);
    this.gens.push([]);
  }

  /** No generation holds a revision: the key can leave the index. */
  isEmpty(): boolean {
    return this.gens.length === 1 && this.gens[0]!.length === 0;
  }

  /**
   * The revision holding the key's version as of `atRev` (etcd's
   * keyIndex.get): false when the key did not exist then, including at the
   * revision of its tombstone.
   */
  findAt(atRev: Revision, out: RevisionRef): boolean {
    const last = this.gens.length - 1;
    for (let gi = last; gi >= 0; gi--) {
      const g = this.gens[gi]!;
      if (g.length === 0) continue;
      // A closed generation ends with its tombstone: at or after it the key is gone.
      if (gi !== last && g[g.length - 2]! <= atRev) return false;
      if (g[0]! <= atRev) {
        const p = lastPairAtOrBelow(g, atRev);
        out.main = g[2 * p]!;
        out.sub = g[2 * p + 1]!;
        return true;
      }
    }
    return false;
  }

  /**
   * The generation a compaction at `atRev` starts from (etcd's doCompact):
   * the first one whose tombstone is after `atRev`, or the current one.
   */
  private firstGenAfter(atRev: Revision): number {
    let gi = 0;
    while (gi < this.gens.length - 1) {
      const g = this.gens[gi]!;
      if (g[g.length - 2]! > atRev) break;
      gi++;
    }
    return gi;
  }

  /**
   * Drops every revision a compaction at `atRev` makes unreachable: whole
   * generations that ended at or before it, and in the first remaining one
   * everything before the last revision ≤ atRev. Returns true when the key
   * is left with no revision (it can leave the index).
   */
  compact(atRev: Revision, dropped: RevisionSink): boolean {
    let gi = this.firstGenAfter(atRev);
    for (let i = 0; i < gi; i++) {
      const g = this.gens[i]!;
      for (let p = 0; p < g.length; p += 2) dropped.add(g[p]!, g[p + 1]!);
    }
    const g = this.gens[gi]!;
    if (g.length > 0) {
      const p = lastPairAtOrBelow(g, atRev);
      if (p > 0) {
        for (let q = 0; q < 2 * p; q += 2) dropped.add(g[q]!, g[q + 1]!);
        g.splice(0, 2 * p);
      }
      // A generation reduced to its tombstone holds nothing readable
      // (etcd keeps this rule, though doCompact's choice of generation
      // makes it unreachable).
      if (g.length === 2 && gi !== this.gens.length - 1) {
        dropped.add(g[0]!, g[1]!);
        gi++;
      }
    }
    if (gi > 0) this.gens.splice(0, gi);
    return this.isEmpty();
  }

  /**
   * The revision a compaction at `atRev` would keep for this key, if any
   * (etcd's keyIndex.keep), without changing anything.
   */
  keptAt(atRev: Revision, out: RevisionRef): boolean {
    if (this.isEmpty()) return false;
    const gi = this.firstGenAfter(atRev);
    const g = this.gens[gi]!;
    if (g.length === 0) return false;
    const p = lastPairAtOrBelow(g, atRev);
    if (p < 0) return false;
    // The tombstone of a closed generation is never kept.
    if (p === g.length / 2 - 1 && gi !== this.gens.length - 1) return false;
    out.main = g[2 * p]!;
    out.sub = g[2 * p + 1]!;
    return true;
  }
}
