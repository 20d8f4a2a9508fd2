// The start-up check of the stored log: fed every entry record in key order,
// it decides which entries form the log, which stored keys must go, and
// whether the damage it saw is survivable.
//
// The rule (docs/store-design.md): a damaged or missing record above the
// protected index — the hard state's commit, or the snapshot index if that is
// higher — is a torn tail, never known to this member as committed: the log is
// cut before it. Damage at or below the protected index would lose committed
// entries: the replica refuses to start (BackendCorruptionError).

import type { Entry, SnapshotMetadata } from '../raft/types.js';
import { BackendCorruptionError } from './errors.js';
import { describeKey, entryIndexOf } from './keys.js';
import { decodeEntry, type LogStart } from './records.js';

export interface ScanBounds {
  /** The data directory, for error messages. */
  readonly dir: string;
  readonly logStart: LogStart;
  readonly snapshot: SnapshotMetadata;
  readonly commit: number;
}

/** Where and why the log was cut. */
export interface Truncation {
  /** The first index no longer in the log. */
  readonly firstDroppedIndex: number;
  readonly reason: string;
}

export class EntryScanner {
  /** The verified log, contiguous from logStart.index + 1. */
  readonly entries: Entry[] = [];
  /** Stored keys to delete: the cut tail, and entries at or below the log start. */
  readonly doomedKeys: Uint8Array[] = [];
  /** Entries found at or below the log start (left behind; harmless, deleted). */
  staleEntries = 0;
  truncation: Truncation | undefined = undefined;

  private expected: number;
  private prevTerm: number;
  private readonly protectedIndex: number;

  constructor(private readonly bounds: ScanBounds) {
    this.expected = bounds.logStart.index + 1;
    this.prevTerm = bounds.logStart.term;
    this.protectedIndex = Math.max(bounds.commit, bounds.snapshot.index);
  }

  /** Feeds the next stored entry record; keys must arrive in ascending order. */
  add(key: Uint8Array, value: Uint8Array): void {
    const index = entryIndexOf(key);
    if (index === undefined) {
      // LevelDB checksums its own keys: a malformed one is not a torn write.
      this.corrupt(describeKey(key), 'not a valid entry key');
    }
    if (this.truncation) {
      this.doomedKeys.push(key);
      return;
    }
    if (index <= this.bounds.logStart.index) {
      this.staleEntries++;
      this.doomedKeys.push(key);
      return;
    }
    if (index !== this.expected) {
      this.damaged(this.expected, `missing (the next stored entry is ${index})`);
      this.doomedKeys.push(key);
      return;
    }
    const problem = this.check(index, value);
    if (problem !== undefined) {
      this.damaged(index, problem);
      this.doomedKeys.push(key);
      return;
    }
  }

  /** Checks what add() cannot see: that nothing protected is missing at the end. */
  finish(): void {
    const last = this.expected - 1;
    if (this.truncation === undefined && last < this.protectedIndex) {
      this.corrupt(
        `e/${last + 1}`,
        `missing, but the log must reach index ${this.protectedIndex} ` +
          `(commit ${this.bounds.commit}, snapshot ${this.bounds.snapshot.index})`,
      );
    }
  }

  /** Returns what is wrong with the record at `index`, or undefined after accepting it. */
  private check(index: number, value: Uint8Array): string | undefined {
    const e = decodeEntry(value);
    if (e === undefined) return 'checksum mismatch or undecodable record';
    if (e.index !== index) return `record holds entry ${e.index}`;
    // Terms never decrease along a Raft log (§5.3), starting from the log start's term.
    if (e.term < this.prevTerm)
      return `term ${e.term} is below the preceding term ${this.prevTerm}`;
    const snap = this.bounds.snapshot;
    if (index === snap.index && e.term !== snap.term) {
      return `term ${e.term} differs from the snapshot's term ${snap.term} at the same index`;
    }
    this.entries.push(e);
    this.expected = index + 1;
    this.prevTerm = e.term;
    return undefined;
  }

  private damaged(index: number, problem: string): void {
    if (index <= this.protectedIndex) {
      this.corrupt(
        `e/${index}`,
        `${problem}; the entry is at or below the protected index ${this.protectedIndex} ` +
          `(commit ${this.bounds.commit}, snapshot ${this.bounds.snapshot.index})`,
      );
    }
    this.truncation = { firstDroppedIndex: index, reason: problem };
  }

  private corrupt(key: string, problem: string): never {
    throw new BackendCorruptionError(this.bounds.dir, key, problem);
  }
}
