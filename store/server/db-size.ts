// The size of the state's database on disk, as the space quota reads it on
// every write request. Measuring it lists the data directory, which is far
// too slow for the hot path, so the last measure is kept and a new one is
// started in the background once it is older than `maxAgeMs` — by the
// request that finds it stale, so an idle replica runs no timer at all.
//
// Invariants: at most one measure is in flight; only the very first caller
// waits for one; a failed measure keeps the previous value (and the next
// request tries again).

export interface DbSizeCacheOptions {
  /** Measures the database's size on disk. */
  readBytes: () => Promise<number>;
  /** A value older than this is refreshed (in the background). */
  maxAgeMs: number;
  /** The clock (tests pass their own). */
  nowMs?: () => number;
}

export class DbSizeCache {
  private bytes: number | undefined;
  private readAtMs = -Infinity;
  private reading: Promise<number> | undefined;
  private readonly nowMs: () => number;

  constructor(private readonly o: DbSizeCacheOptions) {
    this.nowMs = o.nowMs ?? Date.now;
  }

  /** The last measure; waits only when there is none yet. */
  async currentBytes(): Promise<number> {
    if (this.bytes === undefined) return this.measure();
    if (this.nowMs() - this.readAtMs >= this.o.maxAgeMs) {
      this.measure().catch(() => undefined);
    }
    return this.bytes;
  }

  /**
   * A measure started after this call (not one already in flight, which
   * may predate the change the caller made, e.g. a defragmentation).
   */
  async refresh(): Promise<number> {
    await this.reading?.catch(() => undefined);
    return this.measure();
  }

  /** Starts a measure, or joins the one in flight. */
  private measure(): Promise<number> {
    this.reading ??= (async () => {
      try {
        const bytes = await this.o.readBytes();
        this.bytes = bytes;
        this.readAtMs = this.nowMs();
        return bytes;
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }
}
