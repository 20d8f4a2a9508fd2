// The durable raft log: hard state, snapshot record, entries and member
// identity in one level database, with an in-memory MemoryStorage mirror that
// the raft core reads synchronously (RawNode is constructed with `storage`).
//
// Invariant: the mirror never shows anything that is not on disk. Every
// change is written to level first and applied to the mirror only after the
// write succeeded; writes are serialised, so the mirror is exactly the disk
// between writes, and each write is planned against it.

import { Level } from 'level';
import { bootstrapIndex, bootstrapSnapshot, bootstrapTerm } from '../raft/bootstrap.js';
import { CompactedError, invariant, SnapshotOutOfDateError } from '../raft/errors.js';
import type { MemoryStorage } from '../raft/memory-storage.js';
import { None, type ConfState, type NodeId, type Snapshot } from '../raft/types.js';
import { LogBatch } from './batch.js';
import { BackendClosedError, BackendFailedError } from './errors.js';
import { entryKey, identityKey, snapshotKey } from './keys.js';
import { loadLog, silentBackendLogger, type BackendLogger, type LogDb } from './load-log.js';
import { encodeIdentity, encodeSnapshotRecord, isValidId, type Identity } from './records.js';
import type { Truncation } from './entry-scan.js';
import { planSave, type SaveInput } from './save-plan.js';

export interface RaftLogStoreOptions {
  logger?: BackendLogger;
}

/** Cumulative write counters since open, for /metrics. */
export interface BackendCounters {
  /** Key and value bytes handed to level. */
  bytesWritten: number;
  /** Atomic batches written. */
  batches: number;
  /** Batches written with sync (one fsync of LevelDB's log each). */
  syncs: number;
}

const emptyBytes = new Uint8Array(0);

export class RaftLogStore {
  private readonly stats: BackendCounters = { bytesWritten: 0, batches: 0, syncs: 0 };
  /** Tail of the write queue: every mutation runs after the previous one settled. */
  private queue: Promise<unknown> = Promise.resolve();
  private closing = false;
  private failure: unknown = undefined;

  private constructor(
    private readonly db: LogDb,
    /** The data directory of this log. */
    readonly dir: string,
    /** The mirror the raft core reads. Mutate it only through this store. */
    readonly storage: MemoryStorage,
    private ident: Identity | undefined,
    /** The torn tail cut at open, if any. */
    readonly truncatedAtOpen: Truncation | undefined,
  ) {}

  /** Opens (creating if needed) the log at `dir`, verifies it and loads the mirror. */
  static async open(dir: string, options: RaftLogStoreOptions = {}): Promise<RaftLogStore> {
    const db: LogDb = new Level<Uint8Array, Uint8Array>(dir, {
      keyEncoding: 'view',
      valueEncoding: 'view',
    });
    await db.open();
    try {
      const loaded = await loadLog(db, dir, options.logger ?? silentBackendLogger);
      const store = new RaftLogStore(db, dir, loaded.storage, loaded.identity, loaded.truncation);
      if (loaded.cleanup) store.count(loaded.cleanup, true);
      return store;
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  /**
   * Step 1 of a Ready: snapshot, entries (overwriting from the first one,
   * deleting any longer tail) and hard state in one atomic batch, synced when
   * `sync` (pass `rd.mustSync`); then the same into the mirror.
   */
  save(rd: SaveInput, options: { sync: boolean }): Promise<void> {
    return this.enqueue(async () => {
      await this.write(planSave(this.storage, rd), options.sync);
      this.storage.persist(rd);
    });
  }

  /** Records a snapshot of the state machine at applied index `index` (does not compact). */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Promise<Snapshot> {
    return this.enqueue(async () => {
      const m = this.storage;
      // The same refusals as MemoryStorage.createSnapshot, before anything is written.
      if (index <= m.snapshot().metadata.index) throw new SnapshotOutOfDateError();
      if (index < m.firstIndex() - 1) throw new CompactedError();
      invariant(index <= m.lastIndex(), `snapshot ${index} is beyond last index ${m.lastIndex()}`);
      const snapshot = { metadata: { index, term: m.term(index)!, confState }, data };
      const batch = new LogBatch();
      batch.put(snapshotKey, encodeSnapshotRecord({ snapshot, logStart: this.logStart() }));
      await this.write(batch, true);
      return m.createSnapshot(index, confState, data);
    });
  }

  /**
   * Drops entries up to and including `index`, which must not be beyond the
   * snapshot: on restart the log must still reach the snapshot from its start.
   * The deletes and the new log start are one atomic batch (level's own
   * `clear()` deletes a range in several unsynced batches).
   */
  compact(index: number): Promise<void> {
    return this.enqueue(async () => {
      const m = this.storage;
      const offset = m.firstIndex() - 1;
      if (index <= offset) throw new CompactedError();
      invariant(index <= m.lastIndex(), `compact ${index} is beyond last index ${m.lastIndex()}`);
      const snapIndex = m.snapshot().metadata.index;
      invariant(index <= snapIndex, `compact ${index} is beyond the snapshot index ${snapIndex}`);
      const batch = new LogBatch();
      const logStart = { index, term: m.term(index)! };
      batch.put(snapshotKey, encodeSnapshotRecord({ snapshot: m.snapshot(), logStart }));
      for (let i = offset + 1; i <= index; i++) batch.del(entryKey(i));
      await this.write(batch, true);
      m.compact(index);
    });
  }

  /** True when nothing was ever stored: no hard state, no snapshot, no entries. */
  isEmpty(): boolean {
    const m = this.storage;
    return m.hardState().term === 0 && m.snapshot().metadata.index === 0 && m.lastIndex() === 0;
  }

  /** Initialises a first member of a new cluster: the bootstrap snapshot and hard state, synced. */
  bootstrap(voters: readonly NodeId[], data: Uint8Array = emptyBytes): Promise<void> {
    return this.enqueue(async () => {
      invariant(this.isEmpty(), `bootstrap: the raft log in ${this.dir} is not empty`);
      const rd: SaveInput = {
        snapshot: { ...bootstrapSnapshot(voters), data },
        hardState: { term: bootstrapTerm, vote: None, commit: bootstrapIndex },
        entries: [],
      };
      await this.write(planSave(this.storage, rd), true);
      this.storage.persist(rd);
    });
  }

  /** Persists this member's identity (synced). A data directory never changes identity. */
  saveIdentity(id: Identity): Promise<void> {
    return this.enqueue(async () => {
      if (!isValidId(id.memberId) || !isValidId(id.clusterId)) {
        throw new RangeError(`member and cluster ids must be non-zero uint64 values`);
      }
      const old = this.ident;
      invariant(
        old === undefined || (old.memberId === id.memberId && old.clusterId === id.clusterId),
        `the raft log in ${this.dir} already belongs to member ${old?.memberId} of cluster ${old?.clusterId}`,
      );
      const batch = new LogBatch();
      batch.put(identityKey, encodeIdentity(id));
      await this.write(batch, true);
      this.ident = { memberId: id.memberId, clusterId: id.clusterId };
    });
  }

  identity(): Identity | undefined {
    return this.ident;
  }

  counters(): BackendCounters {
    return { ...this.stats };
  }

  /** Waits for queued writes, then closes the database. Later calls are refused. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.queue;
    await this.db.close();
  }

  private logStart(): { index: number; term: number } {
    const index = this.storage.firstIndex() - 1;
    return { index, term: this.storage.term(index)! };
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new BackendClosedError(this.dir));
    const result = this.queue.then(() => {
      if (this.failure !== undefined) throw new BackendFailedError(this.dir, this.failure);
      return op();
    });
    // The queue waits for the outcome, not the success: a refused op must not block the next.
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async write(batch: LogBatch, sync: boolean): Promise<void> {
    // A Ready with nothing to store (messages or applies only) costs nothing,
    // unless the caller asked for a sync: that also makes earlier unsynced writes durable.
    if (batch.length === 0 && !sync) return;
    try {
      await batch.write(this.db, sync);
    } catch (err) {
      this.failure = err;
      throw new BackendFailedError(this.dir, err);
    }
    this.count(batch, sync);
  }

  private count(batch: LogBatch, sync: boolean): void {
    this.stats.bytesWritten += batch.bytes;
    this.stats.batches++;
    if (sync) this.stats.syncs++;
  }
}
