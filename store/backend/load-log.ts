// Opening a raft log: read every record, verify it (entry-scan.ts), cut a torn
// tail durably, and rebuild the in-memory mirror the raft core reads.

import type { Level } from 'level';
import { MemoryStorage } from '../raft/memory-storage.js';
import { emptyHardState, emptySnapshot, type Entry, type HardState } from '../raft/types.js';
import { LogBatch } from './batch.js';
import { BackendCorruptionError } from './errors.js';
import { EntryScanner, type Truncation } from './entry-scan.js';
import {
  describeKey,
  firstEntryKey,
  hardStateKey,
  identityKey,
  lastEntryKey,
  snapshotKey,
} from './keys.js';
import {
  decodeHardState,
  decodeIdentity,
  decodeSnapshotRecord,
  type Identity,
  type SnapshotRecord,
} from './records.js';

export type LogDb = Level<Uint8Array, Uint8Array>;

/** Where the backend reports what it did at start-up; pino fits. */
export interface BackendLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

export const silentBackendLogger: BackendLogger = { info() {}, warn() {} };

/** Entries read per iterator step: amortises the native round trip (NODE-STACK.md: nextv). */
const loadChunkEntries = 1000;

export interface LoadedLog {
  readonly storage: MemoryStorage;
  readonly identity: Identity | undefined;
  /** Set when a torn tail was cut (and the cut made durable). */
  readonly truncation: Truncation | undefined;
  /** The synced batch that deleted the cut tail and stale entries, if any (for the counters). */
  readonly cleanup: LogBatch | undefined;
}

/** Reads a sealed singleton record; a present but damaged one refuses the start. */
async function readRecord<T>(
  db: LogDb,
  dir: string,
  key: Uint8Array,
  decodeFn: (record: Uint8Array) => T | undefined,
): Promise<T | undefined> {
  const record = await db.get(key);
  if (record === undefined) return undefined;
  const value = decodeFn(record);
  if (value === undefined) {
    throw new BackendCorruptionError(
      dir,
      describeKey(key),
      'checksum mismatch or undecodable record',
    );
  }
  return value;
}

export async function loadLog(db: LogDb, dir: string, logger: BackendLogger): Promise<LoadedLog> {
  const hardState = (await readRecord(db, dir, hardStateKey, decodeHardState)) ?? emptyHardState;
  const snapRecord = await readRecord(db, dir, snapshotKey, decodeSnapshotRecord);
  const identity = await readRecord(db, dir, identityKey, decodeIdentity);

  const scanner = new EntryScanner({
    dir,
    logStart: snapRecord?.logStart ?? { index: 0, term: 0 },
    snapshot: (snapRecord?.snapshot ?? emptySnapshot).metadata,
    commit: hardState.commit,
  });
  const it = db.iterator({ gte: firstEntryKey, lte: lastEntryKey });
  try {
    for (;;) {
      const chunk = await it.nextv(loadChunkEntries);
      if (chunk.length === 0) break;
      for (const [key, value] of chunk) scanner.add(key, value);
    }
  } finally {
    await it.close();
  }
  scanner.finish();

  let cleanup: LogBatch | undefined;
  if (scanner.doomedKeys.length > 0) {
    // Synced: a cut that a power failure could undo might let stale tail
    // entries reappear behind entries written later.
    cleanup = new LogBatch();
    for (const key of scanner.doomedKeys) cleanup.del(key);
    await cleanup.write(db, true);
  }
  const { truncation } = scanner;
  if (truncation) {
    logger.warn(
      {
        dir,
        firstDroppedIndex: truncation.firstDroppedIndex,
        droppedKeys: scanner.doomedKeys.length - scanner.staleEntries,
        commit: hardState.commit,
        reason: truncation.reason,
      },
      'raft log: cut a torn tail above the commit index',
    );
  }
  if (scanner.staleEntries > 0) {
    logger.info(
      { dir, staleEntries: scanner.staleEntries },
      'raft log: deleted entries left behind a compaction',
    );
  }
  const storage = buildMirror(hardState, snapRecord, scanner.entries);
  return { storage, identity, truncation, cleanup };
}

/**
 * Rebuilds the MemoryStorage that saw these writes: its sentinel at the log
 * start, its snapshot, its entries and hard state — through its public API,
 * so the mirror keeps MemoryStorage's own invariants.
 */
export function buildMirror(
  hardState: HardState,
  rec: SnapshotRecord | undefined,
  entries: readonly Entry[],
): MemoryStorage {
  const st = new MemoryStorage();
  const snap = rec?.snapshot.metadata;
  const logStart = rec?.logStart;
  if (rec && logStart && snap) {
    if (logStart.index === snap.index) {
      st.applySnapshot(rec.snapshot);
    } else if (logStart.index > 0) {
      // A placeholder snapshot sets the sentinel; createSnapshot below replaces it.
      st.applySnapshot({
        metadata: { index: logStart.index, term: logStart.term, confState: snap.confState },
        data: rec.snapshot.data,
      });
    }
  }
  st.append(entries);
  if (rec && snap && logStart && logStart.index < snap.index) {
    st.createSnapshot(snap.index, snap.confState, rec.snapshot.data);
  }
  st.setHardState(hardState);
  return st;
}
