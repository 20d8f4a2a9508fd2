// Exponential backoff with jitter for reconnecting to a peer: the delay
// doubles from `minMs` to `maxMs` with every failure in a row and is spread
// by ± `jitterFraction`, so the members of a cluster that lost a peer at the
// same moment do not all knock at once when it returns.

export class Backoff {
  private failures = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly jitterFraction: number,
    private readonly random: () => number,
  ) {}

  /** The delay before the next attempt, in ms; each call counts one more failure. */
  nextDelayMs(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    const spread = 1 + this.jitterFraction * (2 * this.random() - 1);
    return Math.max(1, Math.round(base * spread));
  }

  /** The peer answered: the next failure starts from `minMs` again. */
  reset(): void {
    this.failures = 0;
  }
}
