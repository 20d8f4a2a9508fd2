// A watcher's observations as the checks walk them: per segment, the
// responses with fragments merged (etcd splits one large response into
// fragments that share its header; the last has fragment=false), events
// normalized, and the revision the segment effectively started at.

import { HistoryError } from './errors.js';
import { normalizeEvent } from './watch-history.js';
import type { NormEvent } from './watch-history.js';
import type { WatchResponseRecord, WatchSegmentEnd, WatcherObservation } from './watch-types.js';

export interface MergedResponse {
  segment: number;
  /** Index among the segment's merged responses. */
  response: number;
  /** Every raw response's header, in arrival order (one per fragment). */
  headerRevisions: number[];
  /** The last fragment's header: the response's. */
  headerRevision: number;
  events: NormEvent[];
  progress: boolean;
  canceled: boolean;
  /** > 0 when the server canceled the watch for compaction. */
  compactRevision: number;
}

export interface SegmentView {
  index: number;
  /** What the segment asked for; 0 = from now. */
  requestedStart: number;
  /**
   * The first revision the segment covers. From now: the first header + 1, since that revision
   * was committed when the watch was created; lowered to the first event's revision if an event
   * at or below the header arrives (a write racing the creation), because a watcher that saw
   * revision r must see everything after r. Undefined for a from-now segment with no responses.
   */
  start: number | undefined;
  responses: MergedResponse[];
  end: WatchSegmentEnd;
  member: string | undefined;
}

/** `seg 1 resp 3`: where a response is, in explanations. */
export function where(at: MergedResponse): string {
  return `seg ${at.segment} resp ${at.response}`;
}

export function segmentViews(watcher: WatcherObservation): SegmentView[] {
  return watcher.segments.map((segment, index) => {
    const fromRequest = index === 0 ? watcher.request.startRevision : undefined;
    const requested = segment.startRevision ?? fromRequest;
    if (index > 0 && requested === undefined) {
      throw new HistoryError(
        `watcher ${watcher.id}: resumed segment ${index} must give its startRevision (0 = from now)`,
      );
    }
    if (fromRequest !== undefined && requested !== fromRequest) {
      throw new HistoryError(
        `watcher ${watcher.id}: segment 0 startRevision ${requested} differs from the ` +
          `request's ${fromRequest}`,
      );
    }
    if (requested !== undefined && !Number.isSafeInteger(requested)) {
      throw new HistoryError(`watcher ${watcher.id}: segment ${index} startRevision ${requested}`);
    }
    const requestedStart = Math.max(0, requested ?? 0);
    const responses = mergeFragments(index, segment.responses);
    return {
      index,
      requestedStart,
      start: requestedStart > 0 ? requestedStart : fromNowStart(responses),
      responses,
      end: segment.end ?? 'open',
      member: segment.member,
    };
  });
}

function fromNowStart(responses: readonly MergedResponse[]): number | undefined {
  const first = responses[0];
  if (first === undefined) return undefined;
  let start = first.headerRevisions[0]! + 1;
  for (const r of responses) {
    const event = r.events[0];
    if (event !== undefined) {
      start = Math.min(start, event.kv.modRevision);
      break;
    }
  }
  return start;
}

function mergeFragments(segment: number, raw: readonly WatchResponseRecord[]): MergedResponse[] {
  const merged: MergedResponse[] = [];
  let group: WatchResponseRecord[] = [];
  for (const record of raw) {
    group.push(record);
    if (record.fragment !== true) {
      merged.push(mergeGroup(segment, merged.length, group));
      group = [];
    }
  }
  // A stream that ended mid-fragment: keep what arrived, as one response.
  if (group.length > 0) merged.push(mergeGroup(segment, merged.length, group));
  return merged;
}

function mergeGroup(
  segment: number,
  response: number,
  group: readonly WatchResponseRecord[],
): MergedResponse {
  const last = group.at(-1)!;
  const events = group.flatMap((r) => r.events.map(normalizeEvent));
  const canceled = group.some((r) => r.canceled === true);
  const created = group.some((r) => r.created === true);
  const headerRevisions = group.map((r) => r.headerRevision);
  for (const header of headerRevisions) {
    if (!Number.isSafeInteger(header) || header < 0) {
      throw new HistoryError(`segment ${segment} response ${response}: header ${header}`);
    }
  }
  return {
    segment,
    response,
    headerRevisions,
    headerRevision: last.headerRevision,
    events,
    progress: last.progress ?? (events.length === 0 && !created && !canceled),
    canceled,
    compactRevision: Math.max(0, ...group.map((r) => r.compactRevision ?? 0)),
  };
}
