// What the hub reads from the revisioned store, and the two reads it builds
// on it: a page of history (also at exactly the compacted revision, as etcd
// serves it) and an event's previous version.

import type { HistoryPage } from '../history.js';
import type { MvccStore } from '../kv-store.js';
import type { MvccEvent, Revision, RevisionEvents } from '../types.js';

export type HubStore = Pick<
  MvccStore,
  'currentRevision' | 'compactedRevision' | 'readHistory' | 'prevOf' | 'range'
>;

const everyKey = Uint8Array.of(0);

/**
 * Events of revisions [from, to], a page of about `maxEvents` at a time.
 * `from` must be above the compacted revision, or equal to it: etcd lets a
 * watcher start at exactly the compacted revision (it cancels only below
 * it, `w.minRev < compactRev`) and sends what compaction kept of that
 * revision — its puts, not its deletes — so that is what this returns for
 * it. Compaction leaves no sub-revision order, so those puts come in key
 * order; finding them scans the key index (rare: only a watcher starting
 * exactly at the compaction point pays it).
 */
export async function readPage(
  store: HubStore,
  from: Revision,
  to: Revision,
  maxEvents: number,
): Promise<HistoryPage> {
  if (from < 1 || from !== store.compactedRevision()) return store.readHistory(from, to, maxEvents);
  const kept = store.range({
    key: everyKey,
    rangeEnd: everyKey,
    revision: from,
    minModRevision: from,
    maxModRevision: from,
  });
  const first: RevisionEvents[] =
    kept.kvs.length === 0
      ? []
      : [
          {
            revision: from,
            events: kept.kvs.map((kv) => ({ type: 'put', kv, prevKv: undefined })),
          },
        ];
  if (from >= to) return { revisions: first, readThrough: Math.max(from, to) };
  const rest = await store.readHistory(from + 1, to, maxEvents);
  return { revisions: [...first, ...rest.revisions], readThrough: rest.readThrough };
}

/**
 * `event` (of revision `rev`) with prevKv as etcd sends it: the key's
 * version at rev - 1. The applied event usually carries it already; not
 * when the same transaction touched the key before (then it names a version
 * of this very revision, or nothing), nor for events read back from
 * history. `cache` keeps one answer per event for all watchers of a step.
 */
export function withPrevKv(
  store: HubStore,
  event: MvccEvent,
  rev: Revision,
  fromHistory: boolean,
  cache: Map<MvccEvent, MvccEvent>,
): MvccEvent {
  const prev = event.prevKv;
  if (!fromHistory && prev !== undefined && prev.modRevision < rev) return event;
  if (!fromHistory && prev === undefined && event.type === 'delete') return event;
  let out = cache.get(event);
  if (out === undefined) {
    out = { type: event.type, kv: event.kv, prevKv: store.prevOf(event.kv.key, rev) };
    cache.set(event, out);
  }
  return out;
}
