// The catch-up loop (etcd's syncWatchersLoop and syncVictimsLoop in one):
// serves unsynced watchers from history, a page at a time, until each
// reaches the synced group.
//
// A round takes up to syncWatchersPerRound unsynced watchers whose sinks
// have room, ends those whose next revision is compacted, reads one page of
// history from the lowest next revision among the rest, and offers each
// watcher its matching events at or above its own next revision. A watcher
// that then needs nothing the synced group has not been offered joins it
// (the dispatch skips revisions below its minRev that are still queued, so
// nothing arrives twice). Rounds follow each other while they make
// progress; watchers whose sinks are full wait for sinkReady() or the retry
// interval. Only one round runs at a time; a snapshot install in the middle
// of one voids its read (the generation check) and the next round starts
// over on the new store.

import { isEtcdError } from '../../errors.js';
import type { HistoryPage } from '../history.js';
import { toIndexKey } from '../keys.js';
import type { MvccEvent } from '../types.js';
import type { WatchHub } from './hub.js';
import { readPage, withPrevKv } from './hub-store.js';
import type { HubWatcher } from './watcher.js';
import { WatcherIndex } from './watcher-index.js';

export class CatchUpLoop {
  private running = false;
  private scheduled = false;
  private cancelRetry: (() => void) | undefined;

  constructor(private readonly hub: WatchHub) {}

  /** Runs a round soon (if none is running; a running one reschedules itself). */
  kick(): void {
    if (this.running || this.scheduled || this.hub.closed) return;
    this.scheduled = true;
    this.hub.scheduler.soon(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  stop(): void {
    this.cancelRetry?.();
    this.cancelRetry = undefined;
  }

  private async run(): Promise<void> {
    if (this.running || this.hub.closed) return;
    this.running = true;
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    let outcome: 'progress' | 'blocked' | 'failed';
    try {
      outcome = await this.round();
    } catch (err) {
      outcome = 'failed';
      this.hub.log.warn({ err }, 'watch catch-up round failed; retrying');
    } finally {
      this.running = false;
    }
    this.hub.notifyProgressWaiters();
    // While restoring nothing can be read: onRestored kicks the loop again.
    if (this.hub.closed || this.hub.restoring || this.hub.unsynced.size === 0) return;
    if (outcome === 'progress') this.kick();
    else this.retryLater();
  }

  private retryLater(): void {
    if (this.cancelRetry !== undefined) return;
    this.cancelRetry = this.hub.scheduler.after(() => {
      this.cancelRetry = undefined;
      this.kick();
    }, this.hub.limits.syncRetryIntervalMs);
  }

  private async round(): Promise<'progress' | 'blocked' | 'failed'> {
    const hub = this.hub;
    if (hub.restoring) return 'blocked';
    const chosen: HubWatcher[] = [];
    for (const w of hub.unsynced) {
      if (!w.sink.ready()) continue;
      chosen.push(w);
      if (chosen.length >= hub.limits.syncWatchersPerRound) break;
    }
    if (chosen.length === 0) return 'blocked';
    const store = hub.store;
    const generation = hub.generation;
    const compacted = store.compactedRevision();
    const current = store.currentRevision();
    const serve: HubWatcher[] = [];
    let from = Number.POSITIVE_INFINITY;
    for (const w of chosen) {
      // etcd: `w.minRev < compactRev` ends the watch; at exactly the
      // compacted revision it still serves what compaction kept.
      if (w.minRev < compacted) {
        hub.compacted(w, compacted);
        continue;
      }
      // etcd reads a negative start it does not cancel (-1 on a store never
      // compacted) as "from now": its history read finds nothing.
      if (w.minRev < 1) w.minRev = current + 1;
      if (w.minRev > current) {
        hub.join(w);
        continue;
      }
      serve.push(w);
      from = Math.min(from, w.minRev);
    }
    if (serve.length === 0) return 'progress';
    let page: HistoryPage;
    try {
      page = await readPage(store, from, current, hub.limits.historyPageEvents);
    } catch (err) {
      if (hub.generation !== generation) return 'progress';
      // Compacted meanwhile: the next round ends the watchers concerned.
      if (isEtcdError(err, 'Compacted')) return 'progress';
      hub.log.warn({ err, from, to: current }, 'watch history read failed; retrying');
      return 'failed';
    }
    if (hub.generation !== generation || hub.closed) return 'progress';
    this.deliver(serve, page);
    return 'progress';
  }

  private deliver(serve: readonly HubWatcher[], page: HistoryPage): void {
    const hub = this.hub;
    const index = new WatcherIndex();
    for (const w of serve) if (w.state === 'unsynced') index.add(w);
    const outs = new Map<HubWatcher, MvccEvent[]>();
    const prevCache = new Map<MvccEvent, MvccEvent>();
    for (const rev of page.revisions) {
      for (const ev of rev.events) {
        index.match(toIndexKey(ev.kv.key), (w) => {
          if (rev.revision < w.minRev || !w.wants(ev)) return;
          let list = outs.get(w);
          if (list === undefined) outs.set(w, (list = []));
          list.push(
            w.options.prevKv ? withPrevKv(hub.store, ev, rev.revision, true, prevCache) : ev,
          );
        });
      }
    }
    for (const w of serve) {
      if (w.state !== 'unsynced') continue;
      // Still behind after this: to the back of the line, so every
      // waiting watcher gets its turn when more than a round's worth wait.
      hub.unsynced.delete(w);
      hub.unsynced.add(w);
      const events = outs.get(w);
      if (events !== undefined) {
        const revision = Math.max(page.readThrough, w.lastHeader);
        if (!w.sink.offer(w, { revision, events })) continue;
        w.lastHeader = revision;
      }
      w.minRev = Math.max(w.minRev, page.readThrough + 1);
      if (w.minRev > hub.dispatched) hub.join(w);
    }
  }
}
