// Randomized cases for the watch validator. One seed makes a random history
// (txns of puts and deletes on a few nested keys), a few watchers with random
// ranges, filters and start revisions, and what a correct etcd would send
// them: batched responses with headers that never go back, fragments,
// bookmarks, resumes at a legal revision, and a compaction cancel followed by
// a fresh watch. Those must pass. Then one mutation (a dropped, duplicated or
// corrupted event, a header sent back, two responses swapped, a revision
// split) must be caught, as the kind of violation it is, at its revision.

import assert from 'node:assert/strict';

import { checkWatches, formatWatchReport } from '../../../store/check/watch.js';
import type {
  WatchEvent,
  WatchRequestSpec,
  WatchResponseRecord,
  WatchViolationKind,
  WatcherObservation,
} from '../../../store/check/watch-types.js';
import { SeededRandom } from '../../../store/raft/random.js';
import { compacted, created, del, FakeStore, progress, put } from './watch-fixtures.js';
import type { TxnOp } from './watch-fixtures.js';

/** Cases per run; each is a fresh seed. Small histories keep the whole run well under a second. */
const randomCases = 300;
const maxTxns = 30;
const maxWatchers = 3;
const mutationAttempts = 20;

const keys = ['a', 'a/1', 'a/2', 'b', 'b/1', 'c'];
const requests: WatchRequestSpec[] = [
  { key: 'a' },
  { key: 'a', rangeEnd: 'b' },
  { key: 'a/', rangeEnd: 'a0' },
  { key: 'b', rangeEnd: '\0' },
  { key: '\0', rangeEnd: '\0' },
  { key: 'a/2', rangeEnd: 'b/1' },
];

export function replayHint(seed: number): string {
  return `seed ${seed}; replay: SEED=${seed} node test/run.mjs test/store/check/watch.test`;
}

/** SEED replays one case; otherwise `randomCases` consecutive seeds from a random base. */
export function randomCaseSeeds(): { seeds: number[]; base: number } {
  const replay = process.env['SEED'];
  if (replay !== undefined) return { seeds: [Number(replay)], base: Number(replay) };
  const base = Math.floor(Math.random() * 2 ** 31);
  return { seeds: Array.from({ length: randomCases }, (_, i) => base + i), base };
}

export function runRandomCase(seed: number): void {
  const rng = new SeededRandom(seed);
  const store = randomStore(rng);
  const count = rng.range(1, maxWatchers);
  const built = Array.from({ length: count }, (_, i) => randomWatcher(rng, store, `w${i}`));
  const compactRevision = Math.max(0, ...built.map((b) => b.compactRevision));
  const history = store.history({ compactRevision });
  const watchers = built.map((b) => b.watcher);

  const clean = checkWatches(history, watchers);
  assert.ok(
    clean.ok,
    `${replayHint(seed)}\ncorrect observations rejected:\n${formatWatchReport(clean)}`,
  );

  for (let attempt = 0; attempt < mutationAttempts; attempt++) {
    const copy = structuredClone(watchers) as MutableWatcher[];
    const target = rng.pick(copy);
    const mutation = rng.pick(mutations)(rng, target);
    if (mutation === undefined) continue;
    const result = checkWatches(history, copy);
    const caught =
      !result.ok &&
      result.violations.some(
        (v) =>
          v.watcherId === target.id &&
          mutation.kinds.includes(v.kind) &&
          (mutation.revision === undefined || v.revision === mutation.revision),
      );
    assert.ok(
      caught,
      `${replayHint(seed)}\n${mutation.description} on ${target.id} not reported as ` +
        `${mutation.kinds.join(' or ')}${mutation.revision === undefined ? '' : ` at ${mutation.revision}`}:\n` +
        formatWatchReport(result),
    );
    return;
  }
}

function randomStore(rng: SeededRandom): FakeStore {
  const store = new FakeStore();
  const live = new Set<string>();
  const txns = rng.range(3, maxTxns);
  for (let t = 0; t < txns; t++) {
    const touched = shuffled(rng, keys).slice(0, rng.range(1, 3));
    const ops: TxnOp[] = touched.map((key) => {
      if (live.has(key) && rng.chance(0.3)) {
        live.delete(key);
        return del(key);
      }
      live.add(key);
      return put(key, `v${rng.int(100)}`, rng.chance(0.2) ? rng.range(1, 3) : undefined);
    });
    store.txn(...ops);
  }
  return store;
}

/** Builds what a correct server sends, response by response, keeping the header monotonic. */
class Stream {
  readonly segments: {
    startRevision?: number;
    responses: WatchResponseRecord[];
    end: 'open' | 'disconnected' | 'compacted';
  }[] = [];
  header = 0;
  /** The window's first revision, the last event delivered, the last bookmark. */
  from = 0;
  lastEvent = 0;
  lastBookmark = 0;

  constructor(
    private readonly rng: SeededRandom,
    private readonly store: FakeStore,
    private readonly request: WatchRequestSpec,
  ) {}

  open(startRevision: number | undefined, createdHeader: number): void {
    this.header = Math.max(this.header, createdHeader);
    const responses = [created(this.header)];
    this.segments.push(
      startRevision === undefined
        ? { responses, end: 'open' }
        : { startRevision, responses, end: 'open' },
    );
  }

  private push(record: WatchResponseRecord): void {
    this.segments.at(-1)!.responses.push(record);
  }

  /** Delivers the matching revisions in [from, through], batched, maybe fragmented and bookmarked. */
  deliver(from: number, through: number, options: { resumes: boolean; bookmarks: boolean }): void {
    const last = this.store.revision;
    const revisions = this.store.revisionsFor(this.request, from, through);
    let i = 0;
    while (i < revisions.length) {
      if (options.resumes && this.rng.chance(0.15)) this.resume();
      const batch = revisions.slice(i, i + this.rng.range(1, 3));
      i += batch.length;
      const top = batch.at(-1)!;
      this.header = Math.min(last, Math.max(this.header, top + this.rng.int(2)));
      const events = batch.flatMap((r) => this.store.eventsFor(this.request, r));
      this.pushFragmented(events);
      this.lastEvent = top;
      const next = revisions[i] ?? last + 1;
      if (options.bookmarks && this.rng.chance(0.25)) this.bookmark(next);
    }
  }

  /** A progress notification somewhere in [what has been delivered, the next matching revision). */
  bookmark(nextMatching: number): void {
    const lo = Math.max(this.header, this.lastEvent, this.lastBookmark, this.from - 1);
    const hi = Math.min(nextMatching - 1, this.store.revision);
    if (lo > hi) return;
    const revision = this.rng.range(lo, hi);
    this.header = revision;
    this.lastBookmark = revision;
    this.push(progress(revision));
  }

  private pushFragmented(events: WatchEvent[]): void {
    if (events.length < 2 || !this.rng.chance(0.3)) {
      this.push({ headerRevision: this.header, events });
      return;
    }
    let rest = events;
    while (rest.length > 0) {
      const take = this.rng.range(1, rest.length);
      const fragment = take < rest.length;
      this.push({
        headerRevision: this.header,
        events: rest.slice(0, take),
        ...(fragment ? { fragment } : {}),
      });
      rest = rest.slice(take);
    }
  }

  /** Disconnect, and resume on "another member" anywhere the client may legally resume from. */
  private resume(): void {
    this.segments.at(-1)!.end = 'disconnected';
    const lower = Math.max(this.from, this.lastEvent + 1);
    const upper = Math.max(lower, this.lastBookmark + 1);
    this.open(
      this.rng.range(lower, upper),
      Math.min(this.store.revision, this.header + this.rng.int(2)),
    );
  }
}

interface BuiltWatcher {
  watcher: WatcherObservation;
  compactRevision: number;
}

function randomWatcher(rng: SeededRandom, store: FakeStore, id: string): BuiltWatcher {
  const last = store.revision;
  const filters = rng.chance(0.1)
    ? (['NOPUT'] as const)
    : rng.chance(0.1)
      ? (['NODELETE'] as const)
      : [];
  const base = { ...rng.pick(requests), filters, prevKv: rng.chance(0.5) };
  const stream = new Stream(rng, store, base);
  let compactRevision = 0;
  const options = { resumes: true, bookmarks: true };

  if (rng.chance(0.2)) {
    // From now: the watch starts after the created header.
    const header = rng.range(1, last);
    const request = { ...base, startRevision: 0 };
    stream.open(undefined, header);
    stream.from = header + 1;
    stream.deliver(header + 1, last, options);
    if (rng.chance(0.5)) stream.bookmark(last + 1);
    return {
      watcher: { id, request, segments: stream.segments, requireThrough: last },
      compactRevision,
    };
  }

  const start = rng.range(1, last);
  const request = { ...base, startRevision: start };
  stream.open(undefined, rng.range(1, last));
  stream.from = start;
  let from = start;
  if (start < last && rng.chance(0.15)) {
    // Compacted while behind: some events below the compaction, the cancel, a fresh watch from it.
    compactRevision = rng.range(start + 1, last);
    stream.deliver(start, rng.range(start - 1, compactRevision - 1), {
      resumes: false,
      bookmarks: false,
    });
    stream.header = Math.max(stream.header, compactRevision);
    stream.segments.at(-1)!.responses.push(compacted(stream.header, compactRevision));
    stream.segments.at(-1)!.end = 'compacted';
    stream.open(compactRevision, stream.header);
    stream.from = compactRevision;
    stream.lastEvent = 0;
    stream.lastBookmark = 0;
    from = compactRevision;
  }
  stream.deliver(from, last, options);
  if (rng.chance(0.5)) stream.bookmark(last + 1);
  return {
    watcher: { id, request, segments: stream.segments, requireThrough: last },
    compactRevision,
  };
}

function shuffled<T>(rng: SeededRandom, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// ---------------------------------------------------------------- mutations

type MutableResponse = {
  headerRevision: number;
  events: WatchEvent[];
  fragment?: boolean;
  compactRevision?: number;
};
interface MutableWatcher {
  id: string;
  request: WatchRequestSpec;
  segments: { startRevision?: number; responses: MutableResponse[] }[];
  requireThrough?: number;
}

interface Mutation {
  description: string;
  kinds: WatchViolationKind[];
  /** The revision the violation must be reported at; undefined = any. */
  revision: number | undefined;
}

type Mutator = (rng: SeededRandom, w: MutableWatcher) => Mutation | undefined;

interface EventSite {
  response: MutableResponse;
  index: number;
  event: WatchEvent;
  segmentCompacted: boolean;
}

function eventSites(w: MutableWatcher): EventSite[] {
  return w.segments.flatMap((segment) => {
    const segmentCompacted = segment.responses.some((r) => (r.compactRevision ?? 0) > 0);
    return segment.responses.flatMap((response) =>
      response.events.map((event, index) => ({ response, index, event, segmentCompacted })),
    );
  });
}

function pickSite(
  rng: SeededRandom,
  w: MutableWatcher,
  ok: (s: EventSite) => boolean,
): EventSite | undefined {
  const sites = eventSites(w).filter(ok);
  return sites.length === 0 ? undefined : rng.pick(sites);
}

const describeSite = (what: string, e: WatchEvent) =>
  `${what} ${e.type} ${String(e.key)}@${e.modRevision}`;

const mutations: Mutator[] = [
  function drop(rng, w) {
    // Before a compaction cancel the tail of what was delivered is not required; elsewhere it is.
    const site = pickSite(rng, w, (s) => !s.segmentCompacted);
    if (site === undefined) return undefined;
    site.response.events.splice(site.index, 1);
    return {
      description: describeSite('dropped', site.event),
      kinds: ['reliable', 'bookmark'],
      revision: site.event.modRevision,
    };
  },
  function duplicate(rng, w) {
    const site = pickSite(rng, w, () => true);
    if (site === undefined) return undefined;
    site.response.events.splice(site.index + 1, 0, { ...site.event });
    return {
      description: describeSite('duplicated', site.event),
      kinds: ['unique'],
      revision: site.event.modRevision,
    };
  },
  function changeValue(rng, w) {
    const site = pickSite(rng, w, (s) => s.event.type === 'put');
    if (site === undefined) return undefined;
    site.response.events[site.index] = { ...site.event, value: `${String(site.event.value)}x` };
    return {
      description: describeSite('changed the value of', site.event),
      kinds: ['content'],
      revision: site.event.modRevision,
    };
  },
  function changeVersion(rng, w) {
    const site = pickSite(rng, w, () => true);
    if (site === undefined) return undefined;
    site.response.events[site.index] = { ...site.event, version: site.event.version + 1 };
    return {
      description: describeSite('bumped the version of', site.event),
      kinds: ['content'],
      revision: site.event.modRevision,
    };
  },
  function corruptPrevKv(rng, w) {
    if (w.request.prevKv !== true) return undefined;
    const site = pickSite(rng, w, () => true);
    if (site === undefined) return undefined;
    const prevKv =
      site.event.prevKv === undefined
        ? { key: site.event.key, value: 'bogus', createRevision: 1, modRevision: 1, version: 1 }
        : { ...site.event.prevKv, value: `${String(site.event.prevKv.value)}x` };
    site.response.events[site.index] = { ...site.event, prevKv };
    return {
      description: describeSite('corrupted the prevKv of', site.event),
      kinds: ['content'],
      revision: site.event.modRevision,
    };
  },
  function headerBack(rng, w) {
    const responses = w.segments.flatMap((s) => s.responses);
    const candidates = responses.flatMap((r, i) => {
      const before = Math.max(0, ...responses.slice(0, i).map((p) => p.headerRevision));
      return i > 0 && before >= 1 ? [{ r, before }] : [];
    });
    if (candidates.length === 0) return undefined;
    const { r, before } = rng.pick(candidates);
    r.headerRevision = before - 1;
    return {
      description: `sent header ${before - 1} after ${before}`,
      kinds: ['time-travel'],
      revision: before - 1,
    };
  },
  function swapResponses(rng, w) {
    const pairs = w.segments.flatMap((s) =>
      s.responses.flatMap((r, i) => {
        const next = s.responses[i + 1];
        const standalone = (j: number) =>
          s.responses[j - 1]?.fragment !== true && s.responses[j]?.fragment !== true;
        return next !== undefined &&
          r.events.length > 0 &&
          next.events.length > 0 &&
          standalone(i) &&
          standalone(i + 1)
          ? [{ list: s.responses, i }]
          : [];
      }),
    );
    if (pairs.length === 0) return undefined;
    const { list, i } = rng.pick(pairs);
    [list[i], list[i + 1]] = [list[i + 1]!, list[i]!];
    return {
      description: `swapped responses ${i} and ${i + 1}`,
      kinds: ['ordered'],
      revision: undefined,
    };
  },
  function splitRevision(rng, w) {
    const sites = w.segments.flatMap((s) =>
      s.responses.flatMap((r, i) => {
        if (r.fragment === true || s.responses[i - 1]?.fragment === true) return [];
        const counts = new Map<number, number>();
        for (const e of r.events) counts.set(e.modRevision, (counts.get(e.modRevision) ?? 0) + 1);
        return [...counts]
          .filter(([, n]) => n >= 2)
          .map(([revision]) => ({ list: s.responses, i, revision }));
      }),
    );
    if (sites.length === 0) return undefined;
    const { list, i, revision } = rng.pick(sites);
    const response = list[i]!;
    const moved = response.events.filter((e) => e.modRevision === revision).at(-1)!;
    response.events = response.events.filter((e) => e !== moved);
    list.splice(i + 1, 0, { headerRevision: response.headerRevision, events: [moved] });
    return { description: describeSite('split off', moved), kinds: ['atomic'], revision };
  },
];
