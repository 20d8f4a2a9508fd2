// The bound on a whole check. Linearizability checking is NP-complete, so a
// hostile or just unlucky history (many concurrent writes whose outcome is
// unknown) can make the search exponential; the budget turns that into an
// 'unknown' verdict instead of a hung test. It is shared by all partitions.

import { performance } from 'node:perf_hooks';

import { HistoryError } from './errors.js';

/**
 * About 10 s of search at roughly 1 µs a step. For scale: 20,000 operations from 5 clients on 5
 * keys take about 140 thousand steps when 2% of them time out, 4.4 million when 10% do.
 */
export const DEFAULT_MAX_SEARCH_STEPS = 10_000_000;

/** Reading the clock on every step would dominate a cheap step; check it every this many. */
const DEADLINE_CHECK_INTERVAL_STEPS = 4096;

export class SearchBudget {
  private stepsTaken = 0;
  private deadlinePassed = false;
  private readonly deadlineMs: number | undefined;

  constructor(
    readonly maxSearchSteps: number,
    readonly timeoutMs: number | undefined,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    if (!Number.isSafeInteger(maxSearchSteps) || maxSearchSteps <= 0) {
      throw new HistoryError(`maxSearchSteps must be a positive integer, got ${maxSearchSteps}`);
    }
    if (timeoutMs !== undefined && !(timeoutMs > 0)) {
      throw new HistoryError(`timeoutMs must be positive when set, got ${timeoutMs}`);
    }
    this.deadlineMs = timeoutMs === undefined ? undefined : nowMs() + timeoutMs;
  }

  /** Takes one step; false once the step budget or the deadline is spent. */
  spend(): boolean {
    if (this.deadlinePassed || this.stepsTaken >= this.maxSearchSteps) return false;
    this.stepsTaken++;
    if (this.deadlineMs !== undefined && this.stepsTaken % DEADLINE_CHECK_INTERVAL_STEPS === 0) {
      this.deadlinePassed = this.nowMs() > this.deadlineMs;
    }
    return !this.deadlinePassed;
  }

  /** Why the budget ran out, for an 'unknown' verdict. */
  exhaustedReason(): string {
    if (!this.deadlinePassed) {
      return `search step budget exhausted (maxSearchSteps = ${this.maxSearchSteps})`;
    }
    return `deadline passed (timeoutMs = ${this.timeoutMs}) after ${this.stepsTaken} search steps`;
  }
}
