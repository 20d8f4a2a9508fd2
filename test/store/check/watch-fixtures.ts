// Builders for watch-validator tests: a tiny in-memory store that commits
// transactions the way etcd numbers them (one revision per write txn,
// createRevision/version per key generation), and a reference delivery that
// gives, for a watch request, the events a correct etcd would send. The range
// semantics here are written independently of store/check/watch-keys.ts, so
// the two check each other. Keys in these tests are ASCII strings.

import type {
  CommittedRevision,
  KvHistory,
  WatchEvent,
  WatchKeyValue,
  WatchRequestSpec,
  WatchResponseRecord,
  WatchSegment,
  WatcherObservation,
} from '../../../store/check/watch-types.js';

export type TxnOp =
  { op: 'put'; key: string; value: string; lease?: number } | { op: 'delete'; key: string };

export const put = (key: string, value: string, lease?: number): TxnOp =>
  lease === undefined ? { op: 'put', key, value } : { op: 'put', key, value, lease };
export const del = (key: string): TxnOp => ({ op: 'delete', key });

/** A committed event with the prevKv a prevKv watcher would get (absent when none). */
type FullEvent = WatchEvent & { key: string };

export class FakeStore {
  /** The store's current revision; the empty store is at 1, as in etcd. */
  revision = 1;
  private readonly committed: { revision: number; events: FullEvent[] }[] = [];
  private readonly live = new Map<string, WatchKeyValue>();

  /** Commits the ops as one txn; returns its revision, or undefined if it changed nothing. */
  txn(...ops: TxnOp[]): number | undefined {
    const revision = this.revision + 1;
    const events: FullEvent[] = [];
    for (const op of ops) {
      const prev = this.live.get(op.key);
      if (op.op === 'delete') {
        if (prev === undefined) continue; // deleting nothing is no event (etcd)
        events.push({
          type: 'delete',
          key: op.key,
          createRevision: 0,
          modRevision: revision,
          version: 0,
          prevKv: prev,
        });
        this.live.delete(op.key);
        continue;
      }
      const kv: WatchKeyValue & { key: string } = {
        key: op.key,
        value: op.value,
        createRevision: prev?.createRevision ?? revision,
        modRevision: revision,
        version: (prev?.version ?? 0) + 1,
        lease: op.lease ?? 0,
      };
      events.push(
        prev === undefined ? { type: 'put', ...kv } : { type: 'put', ...kv, prevKv: prev },
      );
      this.live.set(op.key, kv);
    }
    if (events.length === 0) return undefined;
    this.revision = revision;
    this.committed.push({ revision, events });
    return revision;
  }

  /** The committed history as the validator takes it (prevKv left out, as from a plain watch). */
  history(extra: Omit<KvHistory, 'revisions'> = {}): KvHistory {
    const revisions: CommittedRevision[] = this.committed.map(({ revision, events }) => ({
      revision,
      events: events.map(({ prevKv: _prevKv, ...event }) => event),
    }));
    return { revisions, ...extra };
  }

  /** The events of `revision` that a correct etcd sends to a watch with `request`. */
  eventsFor(request: WatchRequestSpec, revision: number): WatchEvent[] {
    const found = this.committed.find((c) => c.revision === revision);
    if (found === undefined) return [];
    return found.events
      .filter((e) => wants(request, e))
      .map(({ prevKv, ...event }) =>
        request.prevKv === true && prevKv !== undefined ? { ...event, prevKv } : event,
      );
  }

  /** Revisions in [from, through] with at least one event `request` wants. */
  revisionsFor(request: WatchRequestSpec, from: number, through: number): number[] {
    return this.committed
      .filter((c) => c.revision >= from && c.revision <= through)
      .filter((c) => c.events.some((e) => wants(request, e)))
      .map((c) => c.revision);
  }
}

function wants(request: WatchRequestSpec, event: FullEvent): boolean {
  const filters = request.filters ?? [];
  if (event.type === 'put' && filters.includes('NOPUT')) return false;
  if (event.type === 'delete' && filters.includes('NODELETE')) return false;
  const key = event.key;
  const from = request.key as string;
  const end = (request.rangeEnd ?? '') as string;
  if (end === '') return key === from;
  if (end === '\0') return key >= from;
  return key >= from && key < end;
}

export const everything: WatchRequestSpec = { key: '\0', rangeEnd: '\0' };

export function response(headerRevision: number, events: WatchEvent[]): WatchResponseRecord {
  return { headerRevision, events };
}

export function created(headerRevision: number): WatchResponseRecord {
  return { headerRevision, events: [], created: true };
}

export function progress(headerRevision: number): WatchResponseRecord {
  return { headerRevision, events: [] };
}

export function compacted(headerRevision: number, compactRevision: number): WatchResponseRecord {
  return { headerRevision, events: [], canceled: true, compactRevision };
}

/**
 * One response per matching revision in [from, through]. Its header is the revision itself (a
 * synced watcher sent each write as it committed) or, when given, `headerRevision` (a watcher
 * catching up on a store already there).
 */
export function deliver(
  store: FakeStore,
  request: WatchRequestSpec,
  from: number,
  through: number,
  headerRevision?: number,
): WatchResponseRecord[] {
  return store
    .revisionsFor(request, from, through)
    .map((revision) => response(headerRevision ?? revision, store.eventsFor(request, revision)));
}

export function watcher(
  id: string,
  request: WatchRequestSpec,
  ...segments: WatchSegment[]
): WatcherObservation {
  return { id, request, segments };
}

export function segment(
  responses: WatchResponseRecord[],
  startRevision?: number,
  end: WatchSegment['end'] = 'open',
): WatchSegment {
  return startRevision === undefined ? { responses, end } : { responses, end, startRevision };
}
