// Limits of the watch hub, with their units in their names. Defaults follow
// etcd 3.4's watchable store where it has the same knob.

export interface WatchHubLimits {
  /**
   * How often the catch-up loop looks again at watchers it could not serve
   * (their streams were full, or a history read failed). etcd polls every
   * 100 ms; capstan also runs the loop at once when there is work it can do.
   */
  syncRetryIntervalMs: number;
  /** Events read from history per page (whole revisions; etcd: 1000 revisions). */
  historyPageEvents: number;
  /** Unsynced watchers served per catch-up round (etcd: maxWatchersPerSync = 512). */
  syncWatchersPerRound: number;
  /**
   * Events matched against the synced group per dispatch step (whole
   * revisions) before yielding to the event loop, so a burst of writes never
   * holds the loop for long; each watcher gets at most one response per step.
   */
  dispatchEventsPerStep: number;
  /**
   * (event, watcher) matches per dispatch step: with 10,000 watchers on a
   * prefix one event is 10,000 of them. Bounds the step's time by its
   * fan-out, not only by its events.
   */
  dispatchDeliveriesPerStep: number;
  /**
   * Applied events not yet dispatched beyond which the synced group gives up
   * its in-memory backlog and catches up from history instead (bounded
   * memory when dispatch cannot keep up).
   */
  pendingEventsMax: number;
}

export const watchHubLimits: Readonly<WatchHubLimits> = Object.freeze({
  syncRetryIntervalMs: 100,
  historyPageEvents: 1000,
  syncWatchersPerRound: 512,
  dispatchEventsPerStep: 2000,
  dispatchDeliveriesPerStep: 20_000,
  pendingEventsMax: 200_000,
});

/** The limits with `overrides` applied; every value must be a positive integer. */
export function resolveHubLimits(overrides: Partial<WatchHubLimits> = {}): WatchHubLimits {
  const out: WatchHubLimits = { ...watchHubLimits, ...overrides };
  for (const [name, value] of Object.entries(out)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`watch hub: limit ${name} must be a positive integer, got ${value}`);
    }
  }
  return out;
}
