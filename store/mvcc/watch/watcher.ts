// One watcher as the hub sees it, and the interface of whatever carries its
// responses to a client (the gRPC watch stream, or a test).

import type { MvccEvent, Revision } from '../types.js';
import type { WatchRange } from './key-range.js';

/**
 * synced: served from applied events as they come (the hub's synced group).
 * unsynced: behind (new with an old start revision, its stream was full, or
 * the state was replaced by a snapshot); served from history by the
 * catch-up loop until it reaches the synced group.
 * done: canceled, or ended by compaction; never offered anything again.
 */
export type WatcherState = 'synced' | 'unsynced' | 'done';

export interface WatchOptions {
  /** Events carry the key's previous version (etcd's prev_kv). */
  readonly prevKv: boolean;
  /** Leave out puts (etcd's NOPUT filter). */
  readonly noPut: boolean;
  /** Leave out deletes (etcd's NODELETE filter). */
  readonly noDelete: boolean;
}

/** What the hub hands a sink for one watcher. */
export interface HubResponse {
  /**
   * The header revision. Never lower than any revision sent to this watcher
   * before, never lower than its events' revisions; for a progress
   * notification, a revision whose matching events have all been offered.
   */
  readonly revision: Revision;
  /**
   * Whole revisions, oldest first, filters applied. When the watcher asked
   * for prev_kv each event's prevKv is the version before it (undefined when
   * none, or compacted away); otherwise prevKv must be ignored.
   */
  readonly events: readonly MvccEvent[];
  /** Set when the watcher ends because its next revision was compacted (etcd's compact_revision). */
  readonly compactRevision?: Revision;
}

/** The other end of a watcher: a stream's send queue. Its methods must not throw. */
export interface WatchSink {
  /** Whether the sink has room for more responses now. */
  ready(): boolean;
  /**
   * Takes `response` for `watcher`, or refuses it when full (false): the
   * hub then moves the watcher out of the synced group and offers the
   * events again, from history, once ready() holds. A compaction
   * response must always be taken.
   */
  offer(watcher: HubWatcher, response: HubResponse): boolean;
  /** A progress request is pending on this sink and the hub's revision moved: look again. */
  progressCheck?(): void;
}

export class HubWatcher {
  state: WatcherState = 'unsynced';
  /**
   * The next revision this watcher needs: every matching event below it has
   * been offered and taken. Only grows. A synced watcher's effective next
   * revision is max(minRev, the hub's dispatched revision + 1).
   */
  minRev: Revision;
  /** The highest header revision offered to this watcher (the created response's included). */
  lastHeader: Revision;

  constructor(
    /** Unique within the hub; orders watchers with the same start key. */
    readonly id: number,
    readonly range: WatchRange,
    readonly options: WatchOptions,
    readonly sink: WatchSink,
    /** The sink's own handle (the stream's watch id). */
    readonly tag: unknown,
    startRevision: Revision,
    createdRevision: Revision,
  ) {
    this.minRev = startRevision;
    this.lastHeader = createdRevision;
  }

  /** Whether the filters let `event` through. */
  wants(event: MvccEvent): boolean {
    return event.type === 'put' ? !this.options.noPut : !this.options.noDelete;
  }
}
