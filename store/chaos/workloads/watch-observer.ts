// One watcher of the watch workload, recorded in the watch validator's shape
// (store/check/watch-types.ts) as it receives responses from the typed
// client's Watcher (store/client/watch.ts):
//  - segment 0 starts at the watch's start revision; the Watcher's 'created'
//    event adds its created response (header revision, member);
//  - each 'resumed' event (the stream or its member failed and the watch was
//    re-created elsewhere from lastRevision + 1) ends the segment as
//    'disconnected' and opens the next one at that revision;
//  - every response the iterator yields goes to the current segment.
// That attribution is exact because the consumer loop is synchronous: a
// response is taken off the Watcher's queue in the microtasks that follow
// its arrival, before any later I/O callback (such as the next stream's
// 'created', which emits 'resumed') can run.

import type {
  Client,
  KeyValue,
  WatchEvent as ClientWatchEvent,
  Watcher,
} from '../../client/index.js';
import { CompactedError, prefixEnd } from '../../client/index.js';
import type {
  WatchEvent,
  WatchFilter,
  WatchKeyValue,
  WatchRequestSpec,
  WatchResponseRecord,
  WatchSegment,
  WatchSegmentEnd,
  WatcherObservation,
} from '../../check/index.js';
import { text } from './requests.js';

export interface WatcherSpec {
  key: string;
  /** Every key starting with `key`; else `rangeEnd`, else the single key. */
  prefix?: boolean;
  rangeEnd?: string;
  startRevision: number;
  prevKv?: boolean;
  noPut?: boolean;
  noDelete?: boolean;
}

interface Segment {
  startRevision: number;
  responses: WatchResponseRecord[];
  end: WatchSegmentEnd;
  member?: string;
}

export class WatchObserver {
  readonly request: WatchRequestSpec;
  /** The highest revision delivered or bookmarked: every matching event up to it has arrived. */
  covered = 0;
  /** Why the watcher ended early, if it did. */
  error: string | undefined;
  private readonly segments: Segment[];
  private readonly watcher: Watcher;
  private readonly consumed: Promise<void>;

  constructor(
    client: Client,
    readonly id: string,
    spec: WatcherSpec,
  ) {
    const filters: WatchFilter[] = [];
    if (spec.noPut) filters.push('NOPUT');
    if (spec.noDelete) filters.push('NODELETE');
    const rangeEnd = spec.prefix ? text(prefixEnd(Buffer.from(spec.key))) : spec.rangeEnd;
    this.request = {
      key: spec.key,
      ...(rangeEnd !== undefined && { rangeEnd }),
      startRevision: spec.startRevision,
      ...(filters.length > 0 && { filters }),
      ...(spec.prevKv && { prevKv: true }),
    };
    this.segments = [{ startRevision: spec.startRevision, responses: [], end: 'open' }];
    this.covered = spec.startRevision - 1;
    this.watcher = client.watch({
      key: spec.key,
      ...(rangeEnd !== undefined && { rangeEnd }),
      startRevision: spec.startRevision,
      prevKv: spec.prevKv === true,
      noPut: spec.noPut === true,
      noDelete: spec.noDelete === true,
    });
    this.watcher.on('created', (revision: bigint, endpoint: string) => {
      const first = this.segments[0]!;
      first.member = endpoint;
      first.responses.push({ headerRevision: Number(revision), events: [], created: true });
    });
    this.watcher.on('resumed', (r: { endpoint: string; fromRevision: bigint }) => {
      this.current.end = 'disconnected';
      this.segments.push({
        startRevision: Number(r.fromRevision),
        responses: [],
        end: 'open',
        member: r.endpoint,
      });
    });
    this.consumed = this.consume();
  }

  /** Asks the member serving this watcher for a progress notification. */
  requestProgress(): void {
    this.watcher.requestProgress();
  }

  get done(): boolean {
    return this.watcher.done;
  }

  /** Cancels the watch and waits until every response it had received is recorded. */
  async stop(): Promise<void> {
    await this.watcher.cancel();
    await this.consumed;
  }

  observation(requireThrough: number | undefined): WatcherObservation {
    return {
      id: this.id,
      request: this.request,
      segments: this.segments.map((s): WatchSegment => ({ ...s, responses: [...s.responses] })),
      ...(requireThrough !== undefined && { requireThrough }),
    };
  }

  private get current(): Segment {
    return this.segments.at(-1)!;
  }

  private async consume(): Promise<void> {
    try {
      // Synchronous body: see the header comment.
      for await (const r of this.watcher) {
        const events = r.events.map(eventOf);
        this.current.responses.push({
          headerRevision: Number(r.revision),
          events,
          ...(r.progress && { progress: true }),
        });
        const last = events.at(-1)?.modRevision ?? 0;
        this.covered = Math.max(this.covered, r.progress ? Number(r.revision) : last);
      }
      if (this.current.end === 'open') this.current.end = 'canceled';
    } catch (e) {
      this.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      this.current.end = e instanceof CompactedError ? 'compacted' : 'canceled';
    }
  }
}

export function eventOf(e: ClientWatchEvent): WatchEvent {
  return {
    type: e.type,
    ...keyValueOf(e.kv),
    ...(e.prevKv !== undefined && { prevKv: keyValueOf(e.prevKv) }),
  };
}

function keyValueOf(kv: KeyValue): WatchKeyValue {
  return {
    key: text(kv.key),
    value: text(kv.value),
    createRevision: Number(kv.createRevision),
    modRevision: Number(kv.modRevision),
    version: Number(kv.version),
    // A string, so a history stays JSON (bigints are not).
    ...(kv.lease !== 0n && { lease: kv.lease.toString() }),
  };
}
