// Where the checks put what they find: violations up to a limit (a broken
// watcher can fail on every event; the first few explain it), and counters.

import type { WatchCheckStats, WatchViolation } from './watch-types.js';

/** Violations kept by default; the rest are only counted. */
export const DEFAULT_MAX_WATCH_VIOLATIONS = 1000;

export class ViolationSink {
  readonly violations: WatchViolation[] = [];
  omitted = 0;
  readonly stats: WatchCheckStats = {
    watchers: 0,
    segments: 0,
    responses: 0,
    progressNotifications: 0,
    observedEvents: 0,
    contentChecked: 0,
    requiredEvents: 0,
    committedEvents: 0,
  };

  constructor(private readonly maxViolations: number) {}

  add(violation: WatchViolation): void {
    if (this.violations.length < this.maxViolations) this.violations.push(violation);
    else this.omitted++;
  }

  get count(): number {
    return this.violations.length + this.omitted;
  }
}
