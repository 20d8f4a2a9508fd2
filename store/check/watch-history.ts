// The committed KV history, normalized and indexed for the watch validator:
// every event once, in commit order, with its position inside its revision
// (for the within-revision order check) and the previous version of its key
// (for the prevKv check), findable by (revision, key) in O(1) and by revision
// with a binary search. Built once and shared by every watcher's check.

import { HistoryError } from './errors.js';
import { byteString, leaseString, printable } from './watch-keys.js';
import type { KvHistory, WatchEvent, WatchKeyValue } from './watch-types.js';

/** A key-value with byte-string key and value (see watch-keys.ts) and a decimal lease. */
export interface NormKv {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: string;
}

/** An observed event, normalized; its revision is `kv.modRevision`. */
export interface NormEvent {
  type: 'put' | 'delete';
  kv: NormKv;
  prevKv: NormKv | undefined;
}

export interface CommittedEntry {
  /** eventId(revision, key): unique in a history (etcd refuses a txn touching a key twice). */
  id: string;
  revision: number;
  /** Position among the events of its revision: the order the store committed them in. */
  index: number;
  type: 'put' | 'delete';
  kv: NormKv;
  /** The key's previous live version; null when it had none; undefined when unknown. */
  prevKv: NormKv | null | undefined;
}

/** The identity of an event in a watch: a key changes at most once per revision. */
export function eventId(revision: number, key: string): string {
  return `${revision}:${key}`;
}

export function normalizeKv(kv: WatchKeyValue): NormKv {
  return {
    key: byteString(kv.key),
    value: byteString(kv.value),
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    version: kv.version,
    lease: leaseString(kv.lease),
  };
}

export function normalizeEvent(event: WatchEvent): NormEvent {
  if (event.type !== 'put' && event.type !== 'delete') {
    throw new HistoryError(`event type ${String(event.type)} is neither put nor delete`);
  }
  if (!Number.isSafeInteger(event.modRevision) || event.modRevision < 0) {
    throw new HistoryError(`event modRevision ${event.modRevision} is not a revision`);
  }
  return {
    type: event.type,
    kv: normalizeKv(event),
    prevKv: event.prevKv === undefined ? undefined : normalizeKv(event.prevKv),
  };
}

/** `put "a"@7` — how an event is named in explanations. */
export function describeEvent(type: 'put' | 'delete', key: string, revision: number): string {
  return `${type} ${printable(key)}@${revision}`;
}

export function describeNormEvent(event: NormEvent): string {
  return describeEvent(event.type, event.kv.key, event.kv.modRevision);
}

/** First index in `items` (sorted by revision) with revision ≥ `revision`; length if none. */
export function lowerBoundByRevision(
  items: readonly { revision: number }[],
  revision: number,
): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid]!.revision < revision) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class IndexedHistory {
  readonly knownFrom: number;
  readonly knownThrough: number;
  /** 0 when the store never compacted (or it is unknown). */
  readonly compactRevision: number;
  /** Every committed event, ordered by (revision, index). */
  readonly entries: readonly CommittedEntry[];
  private readonly byId: Map<string, CommittedEntry>;

  private constructor(
    knownFrom: number,
    knownThrough: number,
    compactRevision: number,
    entries: CommittedEntry[],
  ) {
    this.knownFrom = knownFrom;
    this.knownThrough = knownThrough;
    this.compactRevision = compactRevision;
    this.entries = entries;
    this.byId = new Map(entries.map((e) => [e.id, e]));
  }

  static build(history: KvHistory): IndexedHistory {
    const revisions = history.revisions;
    const knownFrom = history.knownFrom ?? 1;
    const lastListed = revisions.at(-1)?.revision ?? knownFrom;
    const knownThrough = history.knownThrough ?? lastListed;
    requireRevision('knownFrom', knownFrom);
    requireRevision('knownThrough', knownThrough);
    if (knownThrough < knownFrom - 1) {
      throw new HistoryError(`knownThrough ${knownThrough} is below knownFrom ${knownFrom} - 1`);
    }
    // Before revision 1 the store is empty, so a history from the start knows every key's state.
    const state = new Map<string, NormKv | null>();
    const stateKnownForAll = knownFrom <= 1;
    const entries: CommittedEntry[] = [];
    let previous = knownFrom - 1;
    for (const { revision, events } of revisions) {
      requireRevision('a committed revision', revision);
      if (revision <= previous || revision > knownThrough) {
        throw new HistoryError(
          `committed revision ${revision} is out of order or outside [${knownFrom}, ${knownThrough}]`,
        );
      }
      previous = revision;
      const keysInRevision = new Set<string>();
      events.forEach((raw, index) => {
        const event = normalizeEvent(raw);
        const key = event.kv.key;
        if (event.kv.modRevision !== revision) {
          throw new HistoryError(
            `${describeEvent(event.type, key, revision)} has modRevision ${event.kv.modRevision}`,
          );
        }
        if (keysInRevision.has(key)) {
          throw new HistoryError(`revision ${revision} changes ${printable(key)} twice`);
        }
        keysInRevision.add(key);
        const known = state.has(key) ? state.get(key) : stateKnownForAll ? null : undefined;
        const prevKv = history.hasPrevKv === true ? (event.prevKv ?? null) : known;
        entries.push({ id: eventId(revision, key), revision, index, ...event, prevKv });
        state.set(key, event.type === 'put' ? event.kv : null);
      });
    }
    return new IndexedHistory(knownFrom, knownThrough, history.compactRevision ?? 0, entries);
  }

  /** Whether the history knows every event of `revision`. */
  isKnown(revision: number): boolean {
    return revision >= this.knownFrom && revision <= this.knownThrough;
  }

  get(id: string): CommittedEntry | undefined {
    return this.byId.get(id);
  }

  /** Index of the first entry with revision ≥ `revision` (entries.length when none). */
  lowerBound(revision: number): number {
    return lowerBoundByRevision(this.entries, revision);
  }
}

function requireRevision(what: string, revision: number): void {
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw new HistoryError(`${what} ${revision} is not a revision`);
  }
}
