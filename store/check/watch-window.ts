// A coverage window: a span of revisions one logical watch must cover without
// a gap. It opens at a segment's start, survives resumes (a resume continues
// the same stream), and closes at a legal compaction cancel or at the end.
// It remembers how far the watcher has got (last event, last bookmark) and the
// deliveries that raised that mark, so a missing event can be explained by
// what arrived in its place.

import { describeNormEvent, lowerBoundByRevision } from './watch-history.js';
import type { CommittedEntry, NormEvent } from './watch-history.js';
import type { MergedResponse } from './watch-stream.js';

/** A delivery that raised the window's high-water mark; `event` undefined = a bookmark. */
export interface WindowMark {
  revision: number;
  event: NormEvent | undefined;
  at: MergedResponse;
}

export class CoverageWindow {
  lastEvent = 0;
  lastBookmark = 0;
  /** Index into `matching` of the first entry no bookmark has checked yet. */
  private bookmarkCursor: number;
  /** Strictly increasing revisions. */
  private readonly marks: WindowMark[] = [];

  constructor(
    readonly from: number,
    private readonly matching: readonly CommittedEntry[],
  ) {
    this.bookmarkCursor = lowerBoundByRevision(matching, from);
  }

  /** The highest revision the watcher has shown it reached. */
  get covered(): number {
    return Math.max(this.lastEvent, this.lastBookmark);
  }

  /**
   * Where a resume may start: right after the last event, or anywhere up to right after the last
   * bookmark (a bookmark promises nothing is missing below it).
   */
  resumeBounds(): { lower: number; upper: number } {
    const lower = Math.max(this.from, this.lastEvent + 1);
    return { lower, upper: Math.max(lower, this.lastBookmark + 1) };
  }

  /** Records a delivered event, or a bookmark when `event` is undefined. */
  record(revision: number, event: NormEvent | undefined, at: MergedResponse): void {
    const high = this.covered;
    if (event !== undefined) this.lastEvent = Math.max(this.lastEvent, revision);
    else this.lastBookmark = Math.max(this.lastBookmark, revision);
    if (revision > high) this.marks.push({ revision, event, at });
  }

  /**
   * The matching entries in [from, through] a bookmark has not yet looked at, advancing past them:
   * each entry is visited by at most one bookmark, so bookmarks cost O(matching) in total.
   */
  takeForBookmark(fromAtLeast: number, through: number): CommittedEntry[] {
    let i = Math.max(this.bookmarkCursor, lowerBoundByRevision(this.matching, fromAtLeast));
    const out: CommittedEntry[] = [];
    for (; i < this.matching.length && this.matching[i]!.revision <= through; i++) {
      out.push(this.matching[i]!);
    }
    this.bookmarkCursor = Math.max(this.bookmarkCursor, i);
    return out;
  }

  /** Every matching entry in [from, through]. */
  required(fromAtLeast: number, through: number): CommittedEntry[] {
    const out: CommittedEntry[] = [];
    const first = lowerBoundByRevision(this.matching, Math.max(this.from, fromAtLeast));
    for (let i = first; i < this.matching.length && this.matching[i]!.revision <= through; i++) {
      out.push(this.matching[i]!);
    }
    return out;
  }

  /** The first delivery at or above `revision`: what arrived instead of an event there. */
  markAtOrAbove(revision: number): WindowMark | undefined {
    return this.marks[lowerBoundByRevision(this.marks, revision)];
  }
}

export function describeMark(mark: WindowMark): string {
  return mark.event === undefined
    ? `a progress notification at ${mark.revision}`
    : describeNormEvent(mark.event);
}
