// The bounded queue of encoded messages waiting for one peer. Bounded twice,
// by count and by bytes, because both a flood of heartbeats and a few huge
// appends must be stopped before they eat the replica's memory. A full queue
// refuses; it never grows and never blocks.

export class PeerQueue {
  private items: Uint8Array[] = [];
  private queuedBytes = 0;

  constructor(
    private readonly maxMessages: number,
    private readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.items.length;
  }

  get bytes(): number {
    return this.queuedBytes;
  }

  /** Queues one encoded message; false (and nothing queued) when either bound would be passed. */
  push(encoded: Uint8Array): boolean {
    if (this.items.length >= this.maxMessages) return false;
    if (this.queuedBytes + encoded.length > this.maxBytes) return false;
    this.items.push(encoded);
    this.queuedBytes += encoded.length;
    return true;
  }

  /**
   * Takes the oldest messages up to `maxBatchBytes` — always at least one,
   * so a message larger than a batch still goes out alone.
   */
  take(maxBatchBytes: number): { encoded: Uint8Array[]; bytes: number } {
    let n = 0;
    let bytes = 0;
    for (const e of this.items) {
      if (n > 0 && bytes + e.length > maxBatchBytes) break;
      bytes += e.length;
      n++;
    }
    const encoded = n === this.items.length ? this.items : this.items.slice(0, n);
    this.items = n === this.items.length ? [] : this.items.slice(n);
    this.queuedBytes -= bytes;
    return { encoded, bytes };
  }

  /** Drops everything; returns how many messages were dropped. */
  clear(): number {
    const n = this.items.length;
    this.items = [];
    this.queuedBytes = 0;
    return n;
  }
}
