// Compaction, as etcd 3.4's store does it (mvcc/kvstore.go Compact,
// kvstore_compaction.go, key_index.go compact):
//
// - revision ≤ the compacted revision → Compacted; > the current → FutureRev.
// - Logically at once: every key keeps its latest revision ≤ the compaction
//   point unless that is a tombstone, and everything older; keys left with
//   nothing leave the index. Reads below the point are refused from now on.
// - Physically later: the dropped revisions are deleted from the backend in
//   batches queued after the batch of the apply. `m/scheduled-compact` is
//   written with the apply (atomic with the applied index) and
//   `m/compacted` with the last deletion, so a crash in between is finished
//   on the next open (finishCompaction).

import { crashPoint } from '../server/crash-points.js';
import type { Backend, BatchOp } from './backend.js';
import { decodeRecord, encodeRecord } from '../backend/codec.js';
import type { RevisionRef, RevisionSink } from './key-index.js';
import {
  compactedKey,
  mainOfRevisionKey,
  revisionKey,
  revisionRange,
  scheduledCompactKey,
  subOfRevisionKey,
} from './keys.js';
import type { KvState } from './kv-state.js';
import { mvccLimits } from './mvcc-limits.js';
import { MvccCorruptionError } from './errors.js';
import type { Revision } from './types.js';

/** Revisions as two parallel arrays: no object per revision. */
export class RevisionList implements RevisionSink {
  readonly mains: number[] = [];
  readonly subs: number[] = [];

  add(main: Revision, sub: number): void {
    this.mains.push(main);
    this.subs.push(sub);
  }

  get length(): number {
    return this.mains.length;
  }
}

/** Compacts the key index at `rev`; returns the revisions it dropped. */
export function compactIndex(state: KvState, rev: Revision): RevisionList {
  const dropped = new RevisionList();
  state.removeKeysWhere((ki) => ki.compact(rev, dropped));
  state.compactRev = rev;
  return dropped;
}

/** The record of the scheduled compaction, for the apply batch. */
export function scheduledCompactOp(rev: Revision): BatchOp {
  return { type: 'put', key: scheduledCompactKey, value: encodeRecord(rev) };
}

/** Deletes the dropped revisions in batches; the last batch records the compaction as done. */
export async function removeRevisions(
  backend: Backend,
  dropped: RevisionList,
  rev: Revision,
): Promise<void> {
  const size = mvccLimits.compactionBatchRevisions;
  for (let from = 0; ; from += size) {
    const to = Math.min(from + size, dropped.length);
    const ops: BatchOp[] = [];
    for (let i = from; i < to; i++) {
      ops.push({ type: 'del', key: revisionKey(dropped.mains[i]!, dropped.subs[i]!) });
    }
    const last = to === dropped.length;
    if (last) ops.push({ type: 'put', key: compactedKey, value: encodeRecord(rev) });
    crashPoint('compaction'); // scheduled, some revisions maybe deleted, not recorded done
    await backend.write(ops);
    if (last) return;
  }
}

/** A revision number stored under a meta key, or undefined. */
export function readRevisionMeta(backend: Backend, key: Uint8Array): Revision | undefined {
  const raw = backend.get(key);
  if (raw === undefined) return undefined;
  const rev = decodeRecord<unknown>(raw);
  if (typeof rev !== 'number' || !Number.isSafeInteger(rev)) {
    throw new MvccCorruptionError(`mvcc: damaged meta record ${new TextDecoder().decode(key)}`);
  }
  return rev;
}

/**
 * Finishes a compaction at `rev` that a crash interrupted: the index was
 * rebuilt from whatever records were left, so compact it again, then delete
 * every record ≤ rev that it does not keep (by scanning, as etcd does: a
 * half-done deletion may have left records the index no longer knows).
 */
export async function finishCompaction(
  backend: Backend,
  state: KvState,
  rev: Revision,
): Promise<void> {
  compactIndex(state, rev);
  const kept = new Set<string>();
  const ref: RevisionRef = { main: 0, sub: 0 };
  state.forEachKey((ki) => {
    if (ki.keptAt(rev, ref)) kept.add(`${ref.main}.${ref.sub}`);
  });
  const dropped = new RevisionList();
  for await (const batch of backend.iterate(revisionRange(0, rev + 1))) {
    for (const [key] of batch) {
      const main = mainOfRevisionKey(key);
      const sub = subOfRevisionKey(key);
      if (!kept.has(`${main}.${sub}`)) dropped.add(main, sub);
    }
  }
  await removeRevisions(backend, dropped, rev);
}
