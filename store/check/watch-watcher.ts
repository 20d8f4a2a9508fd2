// The checks of one logical watcher, in one pass over what it received, in
// arrival order, across all its segments. Each rule below is one of etcd's
// watch guarantees (https://etcd.io/docs/v3.5/learning/api_guarantees/#watch-apis)
// plus the client-side ones a resuming client must keep:
//
// - ordered: an event never arrives after one with a higher revision, nor after
//   one of the same revision that the store committed later in the txn.
// - unique: an event (revision, key) arrives once, across resumes too.
// - reliable: the watch covers "windows" of revisions: from the segment's start
//   to the highest revision it delivered or bookmarked (or `requireThrough`).
//   A resume continues the window; a legal compaction cancel ends it, and the
//   next segment opens a new one. Every matching committed event in a window
//   must arrive.
// - atomic: the events of one revision arrive in one (merged) response.
// - content: see watch-content.ts.
// - bookmark: a progress notification at R comes after every matching event
//   ≤ R, and no event ≤ R follows it.
// - time-travel: headers never decrease, and an event never exceeds the
//   header of the response carrying it.
// - compaction: a compaction cancel at C is only for a watcher whose next
//   revision is below C (etcd: `w.minRev < compactRev`).
// - resume: a resumed segment starts right after what the watcher has seen:
//   at lastEvent + 1, or anywhere up to lastBookmark + 1.
//
// Each missing event is reported once, by the first rule that required it.
// Cost: O(observed events + matching committed events · log) per watcher.

import { contentMismatch } from './watch-content.js';
import type { ContentContext } from './watch-content.js';
import { describeEvent, describeNormEvent, eventId } from './watch-history.js';
import type { CommittedEntry, IndexedHistory, NormEvent } from './watch-history.js';
import { compileMatcher, printable } from './watch-keys.js';
import type { WatchMatcher } from './watch-keys.js';
import type { ViolationSink } from './watch-sink.js';
import { segmentViews, where } from './watch-stream.js';
import type { MergedResponse, SegmentView } from './watch-stream.js';
import type { WatchViolationKind, WatcherObservation } from './watch-types.js';
import { CoverageWindow, describeMark } from './watch-window.js';

/** Where a violation was seen, beyond its revision. */
interface Place {
  key?: string;
  at?: MergedResponse;
  segment?: number;
}

export class WatcherCheck {
  private readonly matcher: WatchMatcher;
  private readonly segments: SegmentView[];
  /** The committed events this watcher asked for, in commit order. */
  private readonly matching: CommittedEntry[];
  private readonly seen = new Map<string, MergedResponse>();
  private readonly reportedMissing = new Set<string>();
  /** The event with the highest (revision, index in txn) delivered so far. */
  private lastOrdered: NormEvent | undefined;
  private lastOrderedIndex: number | undefined;
  private maxHeader: { revision: number; at: MergedResponse } | undefined;
  private readonly revisionFirstResponse = new Map<number, MergedResponse>();
  private readonly atomicReported = new Set<number>();
  private bookmarkRevision = 0;
  private window: CoverageWindow | undefined;
  private readonly contentContext: ContentContext;

  constructor(
    private readonly history: IndexedHistory,
    private readonly watcher: WatcherObservation,
    private readonly sink: ViolationSink,
  ) {
    this.matcher = compileMatcher(watcher.request);
    this.contentContext = {
      prevKvRequested: watcher.request.prevKv === true,
      compactRevision: history.compactRevision,
    };
    this.segments = segmentViews(watcher);
    const starts = this.segments.flatMap((s) => (s.start === undefined ? [] : [s.start]));
    const first =
      starts.length === 0 ? history.entries.length : history.lowerBound(Math.min(...starts));
    this.matching = history.entries
      .slice(first)
      .filter((e) => this.matcher.keyInRange(e.kv.key) && this.matcher.typeWanted(e.type));
  }

  run(): void {
    const stats = this.sink.stats;
    stats.watchers++;
    let previousCompacted = false;
    for (const segment of this.segments) {
      stats.segments++;
      this.enterSegment(segment, previousCompacted);
      let lastEvent = 0;
      let compacted = false;
      for (const response of segment.responses) {
        stats.responses++;
        this.checkHeaders(response);
        for (const event of response.events) {
          this.onEvent(segment, response, event);
          lastEvent = Math.max(lastEvent, event.kv.modRevision);
        }
        if (response.progress) this.onProgress(response);
        if (response.compactRevision > 0) {
          this.onCompaction(segment, response, lastEvent);
          compacted = true;
        }
      }
      // A from-now segment that received nothing does not reopen a window a compaction closed.
      previousCompacted = compacted || (previousCompacted && segment.start === undefined);
    }
    this.closeWindow(previousCompacted ? undefined : this.watcher.requireThrough);
  }

  private enterSegment(segment: SegmentView, previousCompacted: boolean): void {
    const start = segment.start;
    if (start === undefined) return; // from now, and nothing arrived: nothing to check
    const window = this.window;
    if (window === undefined || previousCompacted) {
      if (window !== undefined) this.closeWindow(undefined);
      this.window = new CoverageWindow(start, this.matching);
      return;
    }
    const { lower, upper } = window.resumeBounds();
    const asked = segment.requestedStart === 0 ? `from now (effectively ${start})` : `at ${start}`;
    const place = { segment: segment.index };
    if (start < lower) {
      this.report(
        'resume',
        start,
        place,
        `resumed ${asked} but had already covered through revision ${lower - 1}; expected ${lower}`,
      );
    } else if (start > upper) {
      this.report(
        'resume',
        start,
        place,
        `resumed ${asked} but had only covered through revision ${upper - 1}; ` +
          `revisions ${upper}..${start - 1} were skipped`,
      );
    }
  }

  private checkHeaders(response: MergedResponse): void {
    for (const header of response.headerRevisions) {
      const max = this.maxHeader;
      if (max !== undefined && header < max.revision) {
        this.report(
          'time-travel',
          header,
          { at: response },
          `header revision went back to ${header} after ${max.revision} (${where(max.at)})`,
        );
        return;
      }
      this.maxHeader = { revision: header, at: response };
    }
  }

  private onEvent(segment: SegmentView, at: MergedResponse, event: NormEvent): void {
    this.sink.stats.observedEvents++;
    const revision = event.kv.modRevision;
    const id = eventId(revision, event.kv.key);
    this.checkRequested(segment, at, event);
    const first = this.seen.get(id);
    if (first !== undefined) {
      this.reportEvent('unique', event, at, `delivered again; first delivered in ${where(first)}`);
      return;
    }
    this.seen.set(id, at);
    const committed = this.history.get(id);
    if (this.history.isKnown(revision)) this.checkContent(at, event, committed);
    this.checkOrder(at, event, committed?.index);
    if (revision <= this.bookmarkRevision && !this.reportedMissing.has(id)) {
      this.reportEvent(
        'bookmark',
        event,
        at,
        `arrived after a progress notification at ${this.bookmarkRevision}`,
      );
    }
    const firstOfRevision = this.revisionFirstResponse.get(revision);
    if (firstOfRevision === undefined) {
      this.revisionFirstResponse.set(revision, at);
    } else if (firstOfRevision !== at && !this.atomicReported.has(revision)) {
      this.atomicReported.add(revision);
      this.reportEvent(
        'atomic',
        event,
        at,
        `split revision ${revision} across responses: ${where(firstOfRevision)} and ${where(at)}`,
      );
    }
    this.window?.record(revision, event, at);
  }

  /** The event belongs in this response: under its header, in range, unfiltered, after start. */
  private checkRequested(segment: SegmentView, at: MergedResponse, event: NormEvent): void {
    const revision = event.kv.modRevision;
    if (revision > at.headerRevision) {
      this.reportEvent(
        'time-travel',
        event,
        at,
        `is above its response's header revision ${at.headerRevision}`,
      );
    }
    if (!this.matcher.keyInRange(event.kv.key)) {
      this.reportEvent(
        'unrequested',
        event,
        at,
        `is outside the watch's ${this.matcher.describe()}`,
      );
    } else if (!this.matcher.typeWanted(event.type)) {
      this.reportEvent(
        'unrequested',
        event,
        at,
        `should have been filtered (${this.matcher.describe()})`,
      );
    }
    if (segment.requestedStart > 0 && revision < segment.requestedStart) {
      this.reportEvent(
        'unrequested',
        event,
        at,
        `is below the segment's start revision ${segment.requestedStart}`,
      );
    }
  }

  private checkContent(
    at: MergedResponse,
    event: NormEvent,
    committed: CommittedEntry | undefined,
  ): void {
    if (committed === undefined) {
      const revision = event.kv.modRevision;
      this.reportEvent(
        'content',
        event,
        at,
        `was never committed; revision ${revision} ${this.committedAt(revision)}`,
      );
      return;
    }
    this.sink.stats.contentChecked++;
    const mismatch = contentMismatch(committed, event, this.contentContext);
    if (mismatch !== undefined) {
      this.reportEvent('content', event, at, `differs from what was committed: ${mismatch}`);
    }
  }

  /** By revision, then by position in the txn when both events are in the history. */
  private checkOrder(at: MergedResponse, event: NormEvent, index: number | undefined): void {
    const revision = event.kv.modRevision;
    const last = this.lastOrdered;
    if (last === undefined || revision > last.kv.modRevision) {
      this.lastOrdered = event;
      this.lastOrderedIndex = index;
      return;
    }
    const sameRevisionEarlier =
      revision === last.kv.modRevision &&
      index !== undefined &&
      this.lastOrderedIndex !== undefined &&
      index < this.lastOrderedIndex;
    if (revision < last.kv.modRevision || sameRevisionEarlier) {
      this.reportEvent(
        'ordered',
        event,
        at,
        `arrived after ${describeNormEvent(last)}` +
          (sameRevisionEarlier ? ', which the store committed after it in the same txn' : ''),
      );
      return;
    }
    this.lastOrdered = event;
    this.lastOrderedIndex = index;
  }

  private onProgress(at: MergedResponse): void {
    this.sink.stats.progressNotifications++;
    const revision = at.headerRevision;
    this.bookmarkRevision = Math.max(this.bookmarkRevision, revision);
    const window = this.window;
    if (window === undefined) return;
    window.record(revision, undefined, at);
    const through = Math.min(revision, this.history.knownThrough);
    for (const entry of window.takeForBookmark(this.history.knownFrom, through)) {
      if (!this.claimMissing(entry)) continue;
      this.report(
        'bookmark',
        entry.revision,
        { key: entry.kv.key, at },
        `progress notification at ${revision} came before ${describeEntry(entry)} was delivered`,
      );
    }
  }

  private onCompaction(segment: SegmentView, at: MergedResponse, lastEvent: number): void {
    const compact = at.compactRevision;
    const start = segment.start;
    if (start !== undefined && start >= compact) {
      this.report(
        'compaction',
        compact,
        { at },
        `canceled for compaction at ${compact}, but the segment started at ${start}, ` +
          'which compaction had not removed',
      );
    } else if (lastEvent >= compact) {
      this.report(
        'compaction',
        compact,
        { at },
        `canceled for compaction at ${compact} after it had delivered revision ${lastEvent}`,
      );
    }
  }

  /** Every matching committed event the window covers must have arrived. */
  private closeWindow(requireThrough: number | undefined): void {
    const window = this.window;
    if (window === undefined) return;
    const through = Math.min(
      Math.max(window.covered, requireThrough ?? 0),
      this.history.knownThrough,
    );
    for (const entry of window.required(this.history.knownFrom, through)) {
      this.sink.stats.requiredEvents++;
      if (!this.claimMissing(entry)) continue;
      const mark = window.markAtOrAbove(entry.revision);
      const instead =
        mark === undefined
          ? `the watcher was required through ${through}`
          : `${describeMark(mark)} did (${where(mark.at)})`;
      this.report(
        'reliable',
        entry.revision,
        { key: entry.kv.key, ...(mark && { at: mark.at }) },
        `${describeEntry(entry)} never arrived, though ${instead}`,
      );
    }
    this.window = undefined;
  }

  /** True when `entry` was never delivered and no rule has reported it missing yet. */
  private claimMissing(entry: CommittedEntry): boolean {
    if (this.seen.has(entry.id) || this.reportedMissing.has(entry.id)) return false;
    this.reportedMissing.add(entry.id);
    return true;
  }

  /** What the history says revision `revision` committed, for "never committed" explanations. */
  private committedAt(revision: number): string {
    const keys: string[] = [];
    const entries = this.history.entries;
    for (let i = this.history.lowerBound(revision); i < entries.length; i++) {
      const entry = entries[i]!;
      if (entry.revision !== revision) break;
      keys.push(`${entry.type} ${printable(entry.kv.key)}`);
    }
    return keys.length === 0 ? 'committed nothing' : `committed ${keys.join(', ')}`;
  }

  /** A violation about one observed event; the message follows the event's name. */
  private reportEvent(
    kind: WatchViolationKind,
    event: NormEvent,
    at: MergedResponse,
    message: string,
  ): void {
    const place = { key: event.kv.key, at };
    this.report(kind, event.kv.modRevision, place, `${describeNormEvent(event)} ${message}`);
  }

  private report(kind: WatchViolationKind, revision: number, place: Place, message: string): void {
    const segment = place.at?.segment ?? place.segment;
    this.sink.add({
      kind,
      watcherId: this.watcher.id,
      revision,
      ...(place.key === undefined ? {} : { key: printable(place.key) }),
      ...(segment === undefined ? {} : { segment }),
      ...(place.at === undefined ? {} : { response: place.at.response }),
      message,
    });
  }
}

function describeEntry(entry: CommittedEntry): string {
  return describeEvent(entry.type, entry.kv.key, entry.revision);
}
