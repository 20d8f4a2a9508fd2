// Reading past events back from the stored revisions, for watchers that
// start (or fall) behind the store's current revision (etcd's unsynced
// watchers read the same way: a range over the revision keyspace).
//
// Every revision above the compacted one is stored whole (compaction keeps
// only what it must below its revision), so the events of revisions
// (compactRev, currentRev] come back complete and in commit order: the key
// order of revision records is (main, sub) order.

import type { Backend } from './backend.js';
import { ownBytes, mainOfRevisionKey, revisionRange } from './keys.js';
import { tombstoneKv } from './kv-state.js';
import { decodeRevisionRecord } from './record.js';
import type { MvccEvent, Revision, RevisionEvents } from './types.js';
import type { WriteQueue } from './write-queue.js';

export interface HistoryPage {
  /** Whole revisions, oldest first; revisions without events are absent. */
  revisions: RevisionEvents[];
  /** Every revision ≤ this (and ≥ the start) is in `revisions`. */
  readThrough: Revision;
}

/**
 * Events of revisions [from, to], stopping at the first revision boundary
 * after `maxEvents` events. The caller checked that `from` is above the
 * compacted revision. Prev kvs are not filled in (see MvccStore.prevOf).
 */
export async function readHistory(
  queue: WriteQueue,
  backend: Backend,
  from: Revision,
  to: Revision,
  maxEvents: number,
): Promise<HistoryPage> {
  if (to < from) return { revisions: [], readThrough: to };
  // Through the queue: the view holds every revision applied so far.
  const it = await queue.run(() => backend.iterate(revisionRange(from, to + 1)));
  const revisions: RevisionEvents[] = [];
  let current: { revision: Revision; events: MvccEvent[] } | undefined;
  let count = 0;
  try {
    for await (const batch of it) {
      for (const [key, value] of batch) {
        const main = mainOfRevisionKey(key);
        if (current === undefined || current.revision !== main) {
          if (current !== undefined && count >= maxEvents) {
            return { revisions, readThrough: current.revision };
          }
          current = { revision: main, events: [] };
          revisions.push(current);
        }
        const rec = decodeRevisionRecord(value, main, `${main}`);
        // Own copies: decoded bytes are views into the iterator's buffers.
        const k = ownBytes(rec.key);
        current.events.push(
          rec.kv === undefined
            ? { type: 'delete', kv: tombstoneKv(k, main), prevKv: undefined }
            : {
                type: 'put',
                kv: { ...rec.kv, key: k, value: ownBytes(rec.kv.value) },
                prevKv: undefined,
              },
        );
        count++;
      }
    }
  } finally {
    await it.close();
  }
  return { revisions, readThrough: to };
}
