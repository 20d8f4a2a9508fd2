// Turning one Ready's step 1 (snapshot, entries, hard state) into one atomic
// batch, computed against the mirror — which equals the disk, because every
// write lands in the mirror only after it reached level, and writes are
// serialised. Everything that could make MemoryStorage.persist refuse the
// same input is checked here first, so a write never reaches the disk unless
// the mirror will accept it too.

import { invariant, SnapshotOutOfDateError } from '../raft/errors.js';
import type { MemoryStorage } from '../raft/memory-storage.js';
import type { Entry, HardState, Snapshot } from '../raft/types.js';
import { LogBatch } from './batch.js';
import { entryKey, hardStateKey, snapshotKey } from './keys.js';
import { encodeEntry, encodeHardState, encodeSnapshotRecord } from './records.js';

/** Step 1 of a Ready (the fields of `Ready` the log stores). */
export interface SaveInput {
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
}

export function planSave(mirror: MemoryStorage, rd: SaveInput): LogBatch {
  const batch = new LogBatch();
  // The stored log is (offset, last]; offset is the sentinel (last compacted index).
  let offset = mirror.firstIndex() - 1;
  let last = mirror.lastIndex();

  if (rd.snapshot) {
    // A snapshot from the leader replaces the whole log (§7), as in MemoryStorage.applySnapshot.
    const meta = rd.snapshot.metadata;
    if (meta.index <= mirror.snapshot().metadata.index) throw new SnapshotOutOfDateError();
    const logStart = { index: meta.index, term: meta.term };
    batch.put(snapshotKey, encodeSnapshotRecord({ snapshot: rd.snapshot, logStart }));
    for (let i = offset + 1; i <= last; i++) batch.del(entryKey(i));
    offset = meta.index;
    last = meta.index;
  }

  const ents = rd.entries;
  const first = ents[0];
  if (first !== undefined) {
    const lastNew = first.index + ents.length - 1;
    // Entries at or below the offset were compacted away; MemoryStorage.append skips them too.
    if (lastNew > offset) {
      const from = Math.max(0, offset + 1 - first.index);
      const firstKept = first.index + from;
      invariant(
        firstKept <= last + 1,
        `missing log entries: last ${last}, appending at ${firstKept}`,
      );
      for (let k = from; k < ents.length; k++) {
        const e = ents[k]!;
        invariant(e.index === first.index + k, `entries not contiguous at ${e.index}`);
        batch.put(entryKey(e.index), encodeEntry(e));
      }
      // A follower overwriting a conflicting suffix (§5.3): nothing may survive past it.
      for (let i = lastNew + 1; i <= last; i++) batch.del(entryKey(i));
    }
  }

  if (rd.hardState) batch.put(hardStateKey, encodeHardState(rd.hardState));
  return batch;
}
