// The watch hub of one replica (etcd's watchableStore): every watcher of
// every stream, and the events the store applies, matched and handed to
// each watcher's sink in revision order.
//
// - The synced group (indexed by key and range) is served from applied
//   events. onEvents only queues them; a dispatch step, scheduled soon
//   after, matches a bounded batch of whole revisions and offers each
//   watcher one response. Apply never waits for a watcher.
// - A watcher whose sink refuses (its stream is full) leaves the synced
//   group with its next revision noted; so does every watcher when a
//   snapshot replaces the state. The catch-up loop (catch-up.ts) serves
//   these unsynced watchers from history until they reach the synced group.
//
// Invariants, per watcher: events are offered in revision order, each at
// most once and without gaps (minRev only grows and every path offers only
// revisions ≥ minRev); a revision's events go in one response; header
// revisions never decrease; a progress notification's revision is one
// whose matching events have all been offered.

import { toIndexKey } from '../keys.js';
import type { MvccListener } from '../kv-store.js';
import type { MvccEvent, Revision, RevisionEvents } from '../types.js';
import { CatchUpLoop } from './catch-up.js';
import { type HubStore, withPrevKv } from './hub-store.js';
import type { WatchRange } from './key-range.js';
import { nodeScheduler, type HubScheduler } from './scheduler.js';
import { resolveHubLimits, type WatchHubLimits } from './watch-limits.js';
import { HubWatcher, type WatchOptions, type WatchSink } from './watcher.js';
import { WatcherIndex } from './watcher-index.js';

export interface HubLog {
  warn(fields: object, msg: string): void;
}

export interface WatchHubOptions {
  store: HubStore;
  limits?: Partial<WatchHubLimits>;
  log?: HubLog;
  scheduler?: HubScheduler;
}

export interface WatchHubStats {
  synced: number;
  unsynced: number;
  pendingEvents: number;
  dispatchedRevision: Revision;
}

const silent: HubLog = { warn: () => undefined };

export class WatchHub {
  /** The current store (replaced by a snapshot install). */
  store: HubStore;
  /** Bumped when the store is replaced: reads of the old one are void. */
  generation = 0;
  /** Every synced watcher has been offered every matching event ≤ this. */
  dispatched: Revision;
  readonly synced = new WatcherIndex();
  /** Insertion-ordered: the catch-up loop serves the longest waiting first. */
  readonly unsynced = new Set<HubWatcher>();
  readonly limits: WatchHubLimits;
  readonly log: HubLog;
  readonly scheduler: HubScheduler;
  closed = false;
  /** Between onRestoring and onRestored: the store must not be read. */
  restoring = false;

  private pending: RevisionEvents[] = [];
  private pendingHead = 0;
  private pendingEvents = 0;
  private dispatchScheduled = false;
  private nextId = 1;
  private readonly progressWaiters = new Set<WatchSink>();
  private readonly catchUp: CatchUpLoop;

  /** Subscribe this to the store (or the replica's fan-out). */
  readonly listener: MvccListener = {
    onEvents: (revisions) => this.enqueue(revisions),
    onRestoring: () => this.beginRestore(),
    onRestored: (store) => this.restore(store),
  };

  constructor(o: WatchHubOptions) {
    this.store = o.store;
    this.dispatched = o.store.currentRevision();
    this.limits = resolveHubLimits(o.limits);
    this.log = o.log ?? silent;
    this.scheduler = o.scheduler ?? nodeScheduler;
    this.catchUp = new CatchUpLoop(this);
  }

  /**
   * A new watcher of `range` from `startRevision` (0: the next revision).
   * Its created response's header revision is `lastHeader` (the store's
   * current revision). Nothing is offered to the sink before this returns.
   */
  watch(
    range: WatchRange,
    startRevision: Revision,
    options: WatchOptions,
    sink: WatchSink,
    tag: unknown,
  ): HubWatcher {
    this.assertOpen();
    const current = this.store.currentRevision();
    const minRev = startRevision === 0 ? current + 1 : startRevision;
    const w = new HubWatcher(this.nextId++, range, options, sink, tag, minRev, current);
    // Ahead of everything dispatched: served from applied events (the
    // dispatch skips revisions below minRev still queued). Otherwise, or
    // for etcd's negative start revisions, history first.
    if (minRev >= 1 && minRev > this.dispatched) this.addSynced(w);
    else this.addUnsynced(w);
    return w;
  }

  cancel(w: HubWatcher): void {
    if (w.state === 'synced') this.synced.remove(w);
    else if (w.state === 'unsynced') this.unsynced.delete(w);
    w.state = 'done';
  }

  /** The revision synced watchers have been offered everything up to. */
  revision(): Revision {
    return this.dispatched;
  }

  /**
   * Whether a progress notification at revision() would tell `w` the truth:
   * it is synced, needs nothing at or below revision(), and was never sent
   * a higher header.
   */
  bookmarkable(w: HubWatcher): boolean {
    return (
      w.state === 'synced' && w.minRev <= this.dispatched + 1 && w.lastHeader <= this.dispatched
    );
  }

  /**
   * etcd's RequestProgress for one watcher: an empty response at
   * revision() if it is bookmarkable and its sink has room; otherwise
   * nothing (etcd sends progress only to synced watchers).
   */
  requestProgress(w: HubWatcher): boolean {
    if (!this.bookmarkable(w) || !w.sink.ready()) return false;
    const revision = this.dispatched;
    if (!w.sink.offer(w, { revision, events: [] })) return false;
    w.lastHeader = revision;
    return true;
  }

  /** `sink` has a progress request pending: call its progressCheck() whenever things move. */
  awaitProgress(sink: WatchSink): void {
    this.progressWaiters.add(sink);
  }

  stopAwaitingProgress(sink: WatchSink): void {
    this.progressWaiters.delete(sink);
  }

  /** A sink has room again: its unsynced watchers can be served. */
  sinkReady(): void {
    if (this.unsynced.size > 0) this.catchUp.kick();
  }

  stats(): WatchHubStats {
    return {
      synced: this.synced.size,
      unsynced: this.unsynced.size,
      pendingEvents: this.pendingEvents,
      dispatchedRevision: this.dispatched,
    };
  }

  close(): void {
    this.closed = true;
    this.catchUp.stop();
    for (const w of this.synced.all()) this.cancel(w);
    for (const w of [...this.unsynced]) this.cancel(w);
    this.pending = [];
    this.progressWaiters.clear();
  }

  // ---- used by the catch-up loop ----

  /** Joins `w` (unsynced, minRev > dispatched) to the synced group. */
  join(w: HubWatcher): void {
    this.unsynced.delete(w);
    this.addSynced(w);
  }

  /** Ends `w`: its next revision is compacted away (etcd's compact_revision response). */
  compacted(w: HubWatcher, compactRevision: Revision): void {
    const revision = Math.max(this.store.currentRevision(), w.lastHeader);
    w.sink.offer(w, { revision, events: [], compactRevision });
    w.lastHeader = revision;
    this.cancel(w);
  }

  notifyProgressWaiters(): void {
    if (this.progressWaiters.size === 0) return;
    for (const sink of [...this.progressWaiters]) sink.progressCheck?.();
  }

  // ---- dispatch of applied events to the synced group ----

  private enqueue(revisions: readonly RevisionEvents[]): void {
    // While restoring, everything is read back from the new state's history.
    if (this.closed || this.restoring || revisions.length === 0) return;
    if (this.synced.size === 0 && this.pendingHead === this.pending.length) {
      // Nobody to tell: the revisions are dispatched as they stand.
      this.dispatched = Math.max(this.dispatched, revisions[revisions.length - 1]!.revision);
      this.notifyProgressWaiters();
      return;
    }
    for (const r of revisions) {
      this.pending.push(r);
      this.pendingEvents += r.events.length;
    }
    if (this.pendingEvents > this.limits.pendingEventsMax) {
      this.overflow();
      return;
    }
    if (!this.dispatchScheduled) {
      this.dispatchScheduled = true;
      this.scheduler.soon(() => this.dispatchStep());
    }
  }

  /**
   * Matches queued revisions against the synced group and offers each
   * watcher one response for them all. A step ends after the revision that
   * reaches dispatchEventsPerStep events or dispatchDeliveriesPerStep
   * (event, watcher) matches, so its cost is bounded whatever the fan-out:
   * apply, heartbeats and other clients get the event loop between steps.
   */
  private dispatchStep(): void {
    this.dispatchScheduled = false;
    if (this.closed || this.restoring) return;
    const outs = new Map<HubWatcher, MvccEvent[]>();
    const prevCache = new Map<MvccEvent, MvccEvent>();
    let first: Revision | undefined;
    let last: Revision | undefined;
    let events = 0;
    let deliveries = 0;
    while (this.pendingHead < this.pending.length) {
      const rev = this.pending[this.pendingHead]!;
      const full =
        events + rev.events.length > this.limits.dispatchEventsPerStep ||
        deliveries >= this.limits.dispatchDeliveriesPerStep;
      if (last !== undefined && full) break;
      this.pendingHead++;
      this.pendingEvents -= rev.events.length;
      events += rev.events.length;
      first ??= rev.revision;
      last = rev.revision;
      if (this.synced.size === 0) continue;
      for (const ev of rev.events) {
        this.synced.match(toIndexKey(ev.kv.key), (w) => {
          if (rev.revision < w.minRev || !w.wants(ev)) return;
          let list = outs.get(w);
          if (list === undefined) outs.set(w, (list = []));
          list.push(
            w.options.prevKv ? withPrevKv(this.store, ev, rev.revision, false, prevCache) : ev,
          );
          deliveries++;
        });
      }
    }
    this.compactPending();
    if (first === undefined || last === undefined) return;
    if (last <= this.dispatched) {
      throw new Error(`watch hub: revision ${last} dispatched after ${this.dispatched}`);
    }
    this.dispatched = last;
    for (const [w, evs] of outs) {
      const revision = Math.max(last, w.lastHeader);
      if (w.sink.offer(w, { revision, events: evs })) w.lastHeader = revision;
      else this.toUnsynced(w, first);
    }
    this.notifyProgressWaiters();
    if (this.pendingHead < this.pending.length) {
      this.dispatchScheduled = true;
      this.scheduler.soon(() => this.dispatchStep());
    }
  }

  private compactPending(): void {
    if (this.pendingHead === this.pending.length) {
      this.pending = [];
      this.pendingHead = 0;
    } else if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
  }

  /** Dispatch fell too far behind: drop the backlog, everyone reads it back from history. */
  private overflow(): void {
    const dropped = this.pendingEvents;
    this.dropSynced();
    this.dispatched = Math.max(this.dispatched, this.store.currentRevision());
    this.log.warn(
      { droppedEvents: dropped, watchers: this.unsynced.size },
      'watch dispatch fell behind; watchers catch up from history',
    );
  }

  /**
   * The state is about to be replaced in place: reads of it stop (in-flight
   * ones are voided by the generation), and every watcher waits in the
   * unsynced group, its next revision kept, for the new state's history.
   */
  private beginRestore(): void {
    if (this.closed) return;
    this.generation++;
    this.restoring = true;
    this.dropSynced();
  }

  private restore(store: HubStore): void {
    if (this.closed) return;
    this.generation++;
    this.restoring = false;
    this.store = store;
    this.dropSynced();
    const revision = store.currentRevision();
    if (revision < this.dispatched) {
      this.log.warn(
        { revision, dispatched: this.dispatched },
        'a restored state is behind what watchers were sent',
      );
    }
    this.dispatched = Math.max(this.dispatched, revision);
    this.catchUp.kick();
  }

  /** Every synced watcher to the unsynced group; the queued events are dropped (history has them). */
  private dropSynced(): void {
    for (const w of this.synced.all()) this.toUnsynced(w, this.dispatched + 1);
    this.pending = [];
    this.pendingHead = 0;
    this.pendingEvents = 0;
  }

  private addSynced(w: HubWatcher): void {
    w.state = 'synced';
    this.synced.add(w);
  }

  private addUnsynced(w: HubWatcher): void {
    w.state = 'unsynced';
    this.unsynced.add(w);
    this.catchUp.kick();
  }

  /** Moves a synced watcher to the unsynced group; it has everything below `from`. */
  private toUnsynced(w: HubWatcher, from: Revision): void {
    this.synced.remove(w);
    w.minRev = Math.max(w.minRev, from);
    this.addUnsynced(w);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('watch hub: closed');
  }
}
