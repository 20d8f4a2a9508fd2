// In-memory Storage: the twin of the durable backend, used by unit tests, the
// simulator (where it is exactly what survives a crash) and benchmarks.
//
// Layout: `ents[0]` is a sentinel holding the index and term of the last
// compacted entry (the snapshot point); real entries follow contiguously.

import { CompactedError, invariant, SnapshotOutOfDateError, UnavailableError } from './errors.js';
import type { InitialState, Storage } from './storage.js';
import {
  EntryType,
  emptyHardState,
  emptySnapshot,
  limitSize,
  type ConfState,
  type Entry,
  type HardState,
  type Index,
  type Snapshot,
  type Term,
} from './types.js';

const emptyData = new Uint8Array(0);

function sentinel(index: Index, term: Term): Entry {
  return { index, term, type: EntryType.Normal, data: emptyData };
}

export class MemoryStorage implements Storage {
  private hard: HardState = emptyHardState;
  private snap: Snapshot = emptySnapshot;
  private ents: Entry[] = [sentinel(0, 0)];

  initialState(): InitialState {
    return { hardState: this.hard, confState: this.snap.metadata.confState };
  }

  hardState(): HardState {
    return this.hard;
  }

  setHardState(hs: HardState): void {
    this.hard = hs;
  }

  private offset(): Index {
    return this.ents[0]!.index;
  }

  firstIndex(): Index {
    return this.offset() + 1;
  }

  lastIndex(): Index {
    return this.offset() + this.ents.length - 1;
  }

  term(i: Index): Term | undefined {
    const off = this.offset();
    if (i < off || i - off >= this.ents.length) return undefined;
    return this.ents[i - off]!.term;
  }

  entries(lo: Index, hi: Index, maxBytes: number): Entry[] {
    const off = this.offset();
    if (lo <= off) throw new CompactedError();
    if (hi > this.lastIndex() + 1) {
      throw new UnavailableError(`entries [${lo}, ${hi}) beyond last index ${this.lastIndex()}`);
    }
    return limitSize(this.ents.slice(lo - off, hi - off), maxBytes);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log with a snapshot received from the leader. */
  applySnapshot(s: Snapshot): void {
    if (s.metadata.index <= this.snap.metadata.index) throw new SnapshotOutOfDateError();
    this.snap = s;
    this.ents = [sentinel(s.metadata.index, s.metadata.term)];
  }

  /** Records a snapshot of the state machine as of applied index `i`. Does not compact. */
  createSnapshot(i: Index, confState: ConfState, data: Uint8Array): Snapshot {
    if (i <= this.snap.metadata.index) throw new SnapshotOutOfDateError();
    if (i < this.offset()) throw new CompactedError();
    invariant(i <= this.lastIndex(), `snapshot ${i} is beyond last index ${this.lastIndex()}`);
    const term = this.ents[i - this.offset()]!.term;
    this.snap = { metadata: { index: i, term, confState }, data };
    return this.snap;
  }

  /** Drops entries up to and including `compactIndex`. The caller must not compact beyond the applied index. */
  compact(compactIndex: Index): void {
    const off = this.offset();
    if (compactIndex <= off) throw new CompactedError();
    invariant(
      compactIndex <= this.lastIndex(),
      `compact ${compactIndex} is beyond last index ${this.lastIndex()}`,
    );
    const i = compactIndex - off;
    const kept = this.ents.slice(i + 1);
    kept.unshift(sentinel(compactIndex, this.ents[i]!.term));
    this.ents = kept;
  }

  /** Persists step 1 of a Ready: snapshot, then entries, then hard state. */
  persist(rd: { snapshot?: Snapshot; entries: readonly Entry[]; hardState?: HardState }): void {
    if (rd.snapshot) this.applySnapshot(rd.snapshot);
    this.append(rd.entries);
    if (rd.hardState) this.setHardState(rd.hardState);
  }

  /**
   * Appends entries, truncating any existing entries at and after the first
   * new index (a follower overwriting a conflicting suffix, §5.3).
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return; // all already compacted
    let from = 0;
    if (first > entries[0]!.index) from = first - entries[0]!.index;
    const start = entries[from]!.index - this.offset();
    invariant(
      start <= this.ents.length,
      `missing log entries: last ${this.lastIndex()}, appending at ${entries[from]!.index}`,
    );
    if (start < this.ents.length) this.ents.length = start;
    for (let k = from; k < entries.length; k++) this.ents.push(entries[k]!);
  }
}
