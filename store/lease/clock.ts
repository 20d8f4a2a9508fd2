// The lessor's sense of time. Lease expiry is measured on a monotonic clock
// (a wall clock that jumps would expire leases early or keep them forever);
// only the leader measures, and only while it leads, so no two members ever
// compare their clocks. Tests drive a ManualClock instead.

import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Milliseconds on a clock that never goes backwards; the origin is arbitrary. */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => performance.now() };

/** A clock that moves only when told to (the in-memory twin of systemClock). */
export class ManualClock implements Clock {
  constructor(private now = 0) {}

  nowMs(): number {
    return this.now;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`a clock only moves forward (asked to move ${ms} ms)`);
    this.now += ms;
  }
}
