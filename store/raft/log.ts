// The Raft log as the core sees it: persisted entries in Storage followed by
// unstable ones, plus the commit and applied indexes. Invariant:
// applied <= committed <= lastIndex.

import { CompactedError, invariant } from './errors.js';
import { Unstable } from './log-unstable.js';
import type { Storage } from './storage.js';
import { limitSize, type Entry, type Index, type Snapshot, type Term } from './types.js';

export class RaftLog {
  readonly storage: Storage;
  readonly unstable: Unstable;
  /** Highest index known to be stored on a quorum. */
  committed: Index;
  /** Highest index handed to the state machine. */
  applied: Index;
  readonly maxCommittedBytesPerReady: number;

  constructor(storage: Storage, maxCommittedBytesPerReady: number) {
    this.storage = storage;
    this.maxCommittedBytesPerReady = maxCommittedBytesPerReady;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): Index {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): Index {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** The last index that is durable: stored, and not about to be overwritten. */
  persistedLastIndex(): Index {
    if (this.unstable.snapshot) return this.storage.lastIndex();
    return Math.min(this.storage.lastIndex(), this.unstable.offset - 1);
  }

  lastTerm(): Term {
    const t = this.term(this.lastIndex());
    invariant(t !== undefined, `no term for last index ${this.lastIndex()}`);
    return t;
  }

  /** Term of entry i, or undefined when i is compacted away or beyond the log. */
  term(i: Index): Term | undefined {
    // Valid terms are those of [firstIndex - 1, lastIndex]: the snapshot point and the entries.
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return undefined;
    return this.unstable.maybeTerm(i) ?? this.storage.term(i);
  }

  matchTerm(i: Index, t: Term): boolean {
    return this.term(i) === t;
  }

  /**
   * §5.4.1: a candidate's log is at least as up-to-date as ours if its last
   * term is higher, or equal with an index at least as high.
   */
  isUpToDate(lastIndex: Index, lastTerm: Term): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * The follower side of AppendEntries (§5.3): if our log matches the leader's
   * at (index, logTerm), append `ents` (dropping any conflicting suffix) and
   * advance commit. Returns the last new index, or undefined on mismatch.
   */
  maybeAppend(index: Index, logTerm: Term, committed: Index, ents: Entry[]): Index | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      invariant(
        ci > this.committed,
        `entry ${ci} conflicts with committed entry ${this.committed}`,
      );
      this.append(ents.slice(ci - index - 1));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  /** Appends entries at their indexes, truncating anything after. Returns the new last index. */
  append(ents: readonly Entry[]): Index {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    invariant(
      after >= this.committed,
      `append after ${after} is below committed ${this.committed}`,
    );
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /**
   * The index of the first entry in `ents` that is new or conflicts with ours
   * (same index, different term); 0 if all are already present.
   */
  findConflict(ents: readonly Entry[]): Index {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The fast-backtracking hint (§5.3, "the follower can include the term of
   * the conflicting entry"): the largest index <= `index` whose term is <=
   * `term`, with that term. The leader can skip every index above it.
   */
  findConflictByTerm(index: Index, term: Term): { index: Index; term: Term } {
    for (let i = index; i > 0; i--) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
    }
    return { index: 0, term: 0 };
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries;
  }

  /** Whether committed entries are waiting to be applied (none while a snapshot is pending). */
  hasNextCommittedEnts(): boolean {
    if (this.unstable.snapshot) return false;
    const off = Math.max(this.applied + 1, this.firstIndex());
    return this.committed + 1 > off;
  }

  nextCommittedEnts(): Entry[] {
    if (this.unstable.snapshot) return [];
    const off = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 <= off) return [];
    return this.slice(off, this.committed + 1, this.maxCommittedBytesPerReady);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  commitTo(toCommit: Index): void {
    if (this.committed < toCommit) {
      invariant(
        this.lastIndex() >= toCommit,
        `commit ${toCommit} is out of range [last index ${this.lastIndex()}]: was the raft log corrupted, truncated or lost?`,
      );
      this.committed = toCommit;
    }
  }

  appliedTo(i: Index): void {
    if (i === 0) return;
    invariant(
      this.committed >= i && i >= this.applied,
      `applied ${i} is out of range [prev applied ${this.applied}, committed ${this.committed}]`,
    );
    this.applied = i;
  }

  stableTo(i: Index, t: Term): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: Index): void {
    this.unstable.stableSnapTo(i);
  }

  /**
   * Advances commit to `maxIndex` if that entry is from `term`. Only entries of
   * the leader's current term are committed by counting replicas (§5.4.2,
   * Figure 8); earlier ones commit with them. `anyTerm` breaks the rule on purpose.
   */
  maybeCommit(maxIndex: Index, term: Term, anyTerm = false): boolean {
    if (maxIndex > this.committed && (anyTerm || this.term(maxIndex) === term)) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** Entries from `lo` to the end, limited to `maxBytes`. Throws CompactedError if lo was compacted. */
  entriesFrom(lo: Index, maxBytes: number): Entry[] {
    if (lo > this.lastIndex()) return [];
    return this.slice(lo, this.lastIndex() + 1, maxBytes);
  }

  /** Entries in [lo, hi), limited to `maxBytes` but at least one. */
  slice(lo: Index, hi: Index, maxBytes: number): Entry[] {
    invariant(lo <= hi, `invalid slice ${lo} > ${hi}`);
    if (lo < this.firstIndex()) throw new CompactedError();
    invariant(hi <= this.lastIndex() + 1, `slice[${lo},${hi}) out of bound ${this.lastIndex()}`);
    if (lo === hi) return [];
    const uOff = this.unstable.offset;
    let ents: Entry[] = [];
    if (lo < uOff) {
      const stopAt = Math.min(hi, uOff);
      ents = this.storage.entries(lo, stopAt, maxBytes);
      if (ents.length < stopAt - lo) return ents; // limited by size
    }
    if (hi > uOff) {
      const u = this.unstable.slice(Math.max(lo, uOff), hi);
      ents = ents.length > 0 ? ents.concat(u) : u;
    }
    return limitSize(ents, maxBytes);
  }
}
