// The in-memory state of the revisioned store and its one write path.
//
// The key index maps each key (as a latin1 string) to its KeyIndex, in a B+
// tree for ranges and a Map for single keys. Writes happen inside a write transaction (etcd's storeTxnWrite):
// every change of one transaction gets main revision current+1 and the next
// sub-revision; the index and the live values change at once, so reads
// inside the transaction see its own writes, and the store's revision moves
// only when the transaction commits with at least one change. Each change
// also appends its record to `ops`, the backend batch being built.
//
// A transaction can be rolled back (an undo log records what each change
// replaced): a failure half-way through a Txn leaves no trace.

import { stringTree } from './btree.js';
import type { Backend, BatchOp } from './backend.js';
import { MvccCorruptionError } from './errors.js';
import { KeyIndex, type RevisionRef } from './key-index.js';
import { ownBytes, revisionKey, toIndexKey } from './keys.js';
import { decodeRevisionRecord, encodePutRecord, encodeTombstoneRecord } from './record.js';
import type { KeyValue, MvccEvent, Revision } from './types.js';

/**
 * A key range in index form: `end` undefined selects the single key `key`,
 * '' selects every key from `key` on, anything else [key, end).
 */
export interface IndexRange {
  key: string;
  end: string | undefined;
}

/** etcd's range_end rules: absent/empty = one key, "\0" = from key on. */
export function indexRange(key: Uint8Array, rangeEnd: Uint8Array | undefined): IndexRange {
  const k = toIndexKey(key);
  if (rangeEnd === undefined || rangeEnd.length === 0) return { key: k, end: undefined };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { key: k, end: '' };
  return { key: k, end: toIndexKey(rangeEnd) };
}

const noBytes = new Uint8Array(0);

/** The kv of a delete event: the key and the revision of the deletion, as etcd sends it. */
export function tombstoneKv(key: Uint8Array, modRevision: Revision): KeyValue {
  return { key, createRevision: 0, modRevision, version: 0, value: noBytes, lease: 0n };
}

export interface Collected {
  kvs: KeyValue[];
  /** Keys live in the range at the revision read, whatever the fetch limit. */
  count: number;
}

// Slots per undo record: KeyIndex, previous latest, created?, generations, last generation length, unflushed length.
const undoSlots = 6;

export class KvState {
  /** Every indexed key in order, for ranges. */
  private readonly tree = stringTree<KeyIndex>();
  /**
   * The same keys in a hash map, for single-key lookups (puts, gets,
   * comparisons): O(1) instead of a tree descent comparing long keys that
   * share prefixes (measured: the tree lookup was most of a single-key read).
   */
  private readonly keys = new Map<string, KeyIndex>();
  /** The store's revision: that of the last committed write transaction (1 when empty). */
  currentRev: Revision = 1;
  /** Revisions below this are compacted away; -1 before the first compaction, as in etcd. */
  compactRev: Revision = -1;
  /** Every record of a revision ≤ this is on the backend. */
  flushedRev: Revision = 0;
  /** The backend batch being built; the store swaps in a new array per batch. */
  ops: BatchOp[] = [];
  /**
   * Called when a write transaction commits a new revision, with its events
   * in the order they were made (the watch hub and the lease table's key
   * attachments feed on it). The array belongs to the callee.
   */
  onCommit: ((revision: Revision, events: MvccEvent[]) => void) | undefined;
  /** The events of the open write transaction. */
  private events: MvccEvent[] = [];

  private inTxn = false;
  private changes = 0;
  private opsMark = 0;
  private readonly undo: unknown[] = [];
  /** Keys holding a retired version, by that version's mod revision, for cleanup. */
  private readonly retired = new Map<Revision, KeyIndex[]>();
  private readonly ref: RevisionRef = { main: 0, sub: 0 };

  constructor(private readonly backend: Backend) {}

  /** The index entry of `ik` (a key in index form). */
  lookup(ik: string): KeyIndex | undefined {
    return this.keys.get(ik);
  }

  addKey(ik: string, ki: KeyIndex): void {
    this.keys.set(ik, ki);
    this.tree.set(ik, ki);
  }

  private removeKey(ik: string): void {
    this.keys.delete(ik);
    this.tree.delete(ik);
  }

  /** Calls `fn` for every indexed key, in order. */
  forEachKey(fn: (ki: KeyIndex) => void): void {
    this.tree.forEach(fn);
  }

  /** Calls `drop` for every key; those it returns true for leave the index. */
  removeKeysWhere(drop: (ki: KeyIndex) => boolean): void {
    this.tree.editAll((ik, ki) => {
      if (!drop(ki)) return undefined;
      this.keys.delete(ik);
      return { delete: true };
    });
  }

  /** The revision that reads see now: inside a write txn with changes, the one it is making. */
  viewRev(): Revision {
    return this.inTxn && this.changes > 0 ? this.currentRev + 1 : this.currentRev;
  }

  /** The live version of `key` at the view revision. */
  getLive(key: Uint8Array): KeyValue | undefined {
    return this.keys.get(toIndexKey(key))?.latest;
  }

  /**
   * The key-values in `range` as of `atRev` (≤ the view revision and not
   * compacted: the caller checked), in key order. Only the first
   * `fetchLimit` are returned (0: all) and none with `countOnly`; `count`
   * always covers the whole range.
   */
  collect(range: IndexRange, atRev: Revision, fetchLimit: number, countOnly: boolean): Collected {
    // The visit state lives on `this` and the tree callback is made once:
    // a closure per call costs more than the lookup of a single key.
    const c = this.scan;
    c.kvs = [];
    c.count = 0;
    c.live = atRev === this.viewRev();
    c.atRev = atRev;
    c.fetchLimit = fetchLimit;
    c.countOnly = countOnly;
    this.visitRange(range, this.collectOne);
    const out = { kvs: c.kvs, count: c.count };
    c.kvs = [];
    return out;
  }

  private readonly scan = {
    kvs: [] as KeyValue[],
    count: 0,
    live: true,
    atRev: 0,
    fetchLimit: 0,
    countOnly: false,
  };

  private readonly collectOne = (_k: string, ki: KeyIndex): void => {
    const c = this.scan;
    let kv: KeyValue | undefined;
    if (c.live) {
      kv = ki.latest;
      if (kv === undefined) return;
    } else if (!ki.findAt(c.atRev, this.ref)) {
      return;
    }
    c.count++;
    if (c.countOnly || (c.fetchLimit > 0 && c.kvs.length >= c.fetchLimit)) return;
    c.kvs.push(kv ?? this.readRevision(ki, this.ref.main, this.ref.sub));
  };

  /** Calls `fn` for every indexed key in `range`, in key order. */
  private visitRange(range: IndexRange, fn: (k: string, ki: KeyIndex) => void): void {
    if (range.end === undefined) {
      const ki = this.keys.get(range.key);
      if (ki !== undefined) fn(range.key, ki);
    } else if (range.end === '') {
      const high = this.tree.maxKey();
      if (high !== undefined && high >= range.key) this.tree.forRange(range.key, high, true, fn);
    } else if (range.end > range.key) {
      this.tree.forRange(range.key, range.end, false, fn);
    }
  }

  /** The version of `ki` written at (main, sub): from memory if not flushed, else the backend. */
  private readRevision(ki: KeyIndex, main: Revision, sub: number): KeyValue {
    // One key is written at most once per main revision in a readable way
    // (a txn may put then delete a key, but the put is then unreadable), so
    // main alone identifies an in-memory version.
    if (ki.latest !== undefined && ki.latest.modRevision === main) return ki.latest;
    const pending = ki.unflushed;
    if (pending !== undefined) {
      for (let i = pending.length - 1; i >= 0; i--) {
        if (pending[i]!.modRevision === main) return pending[i]!;
      }
    }
    const value = this.backend.get(revisionKey(main, sub));
    const where = `${main}.${sub}`;
    if (value === undefined) throw new MvccCorruptionError(`mvcc: revision ${where} is missing`);
    const kv = decodeRevisionRecord(value, main, where).kv;
    if (kv === undefined) throw new MvccCorruptionError(`mvcc: revision ${where} is a tombstone`);
    return kv;
  }

  // ---- write transactions -------------------------------------------------

  begin(): void {
    if (this.inTxn) throw new Error('mvcc: nested write transaction');
    this.inTxn = true;
    this.changes = 0;
    this.undo.length = 0;
    this.opsMark = this.ops.length;
    this.events = [];
  }

  /** Ends the transaction; the store's revision moves iff something changed. */
  commit(): Revision {
    const changed = this.changes > 0;
    if (changed) this.currentRev++;
    this.inTxn = false;
    this.changes = 0;
    this.undo.length = 0;
    const events = this.events;
    this.events = [];
    if (changed) this.onCommit?.(this.currentRev, events);
    return this.currentRev;
  }

  /** Undoes every change of the transaction, newest first. */
  rollback(): void {
    const u = this.undo;
    for (let i = u.length - undoSlots; i >= 0; i -= undoSlots) {
      const ki = u[i] as KeyIndex;
      ki.latest = u[i + 1] as KeyValue | undefined;
      const gens = u[i + 3] as number;
      ki.gens.length = gens;
      ki.gens[gens - 1]!.length = u[i + 4] as number;
      if (ki.unflushed !== undefined) ki.unflushed.length = u[i + 5] as number;
      if (u[i + 2] === true) this.removeKey(toIndexKey(ki.key));
    }
    this.ops.length = this.opsMark;
    this.inTxn = false;
    this.changes = 0;
    this.undo.length = 0;
    this.events = [];
  }

  private remember(ki: KeyIndex, created: boolean): void {
    const gens = ki.gens.length;
    this.undo.push(
      ki,
      ki.latest,
      created,
      gens,
      ki.gens[gens - 1]!.length,
      ki.unflushed?.length ?? 0,
    );
  }

  /** Keeps a superseded version reachable until its record is on the backend. */
  private retire(ki: KeyIndex, old: KeyValue | undefined): void {
    if (old === undefined || old.modRevision <= this.flushedRev) return;
    (ki.unflushed ??= []).push(old);
    const bucket = this.retired.get(old.modRevision);
    if (bucket === undefined) this.retired.set(old.modRevision, [ki]);
    else bucket.push(ki);
  }

  /** Writes `key` in the current transaction (etcd's storeTxnWrite.put). */
  put(key: Uint8Array, value: Uint8Array, lease: bigint): void {
    if (!this.inTxn) throw new Error('mvcc: put outside a write transaction');
    const main = this.currentRev + 1;
    const sub = this.changes++;
    const ik = toIndexKey(key);
    let ki = this.keys.get(ik);
    const created = ki === undefined;
    if (ki === undefined) {
      ki = new KeyIndex(ownBytes(key));
      this.addKey(ik, ki);
    }
    this.remember(ki, created);
    const prev = ki.latest;
    const kv: KeyValue = {
      key: ki.key,
      createRevision: prev === undefined ? main : prev.createRevision,
      modRevision: main,
      version: prev === undefined ? 1 : prev.version + 1,
      value: ownBytes(value),
      lease,
    };
    this.retire(ki, prev);
    ki.appendPut(main, sub);
    ki.latest = kv;
    this.events.push({ type: 'put', kv, prevKv: prev });
    this.ops.push({ type: 'put', key: revisionKey(main, sub), value: encodePutRecord(kv) });
  }

  /** Deletes every live key in `range`; returns how many (etcd's deleteRange). */
  deleteRange(range: IndexRange): number {
    if (!this.inTxn) throw new Error('mvcc: delete outside a write transaction');
    this.deleted = 0;
    // Tombstoning changes values only, never the tree's shape, so it is
    // safe inside the traversal.
    this.visitRange(range, this.deleteOne);
    return this.deleted;
  }

  private deleted = 0;

  private readonly deleteOne = (_k: string, ki: KeyIndex): void => {
    if (ki.latest === undefined) return;
    const main = this.currentRev + 1;
    const sub = this.changes++;
    this.remember(ki, false);
    this.retire(ki, ki.latest);
    this.events.push({ type: 'delete', kv: tombstoneKv(ki.key, main), prevKv: ki.latest });
    ki.appendTombstone(main, sub);
    ki.latest = undefined;
    this.ops.push({
      type: 'put',
      key: revisionKey(main, sub),
      value: encodeTombstoneRecord(ki.key),
    });
    this.deleted++;
  };

  /**
   * Every record up to `rev` reached the backend: forget the in-memory
   * copies. Costs what was retired in between, not what is still pending.
   */
  markFlushed(rev: Revision): void {
    const from = this.flushedRev;
    if (rev <= from) return;
    this.flushedRev = rev;
    if (this.retired.size === 0) return;
    for (let main = from + 1; main <= rev; main++) {
      const owners = this.retired.get(main);
      if (owners === undefined) continue;
      this.retired.delete(main);
      for (const ki of owners) {
        const kept = ki.unflushed?.filter((kv) => kv.modRevision > rev) ?? [];
        ki.unflushed = kept.length > 0 ? kept : undefined;
      }
    }
  }
}
