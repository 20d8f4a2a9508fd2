// The pipelining window to one follower: append messages sent but not yet
// acknowledged, bounded both in count and in bytes. A ring buffer, so the
// replicate path allocates nothing per message.

import { invariant } from '../errors.js';
import type { Index } from '../types.js';

export class Inflights {
  private start = 0;
  private count = 0;
  private bytes = 0;
  private readonly indexes: Index[];
  private readonly sizes: number[];

  constructor(
    readonly maxMessages: number,
    readonly maxBytes: number,
  ) {
    this.indexes = new Array<Index>(maxMessages).fill(0);
    this.sizes = new Array<number>(maxMessages).fill(0);
  }

  /** Records a message whose last entry is `index`, carrying `bytes` of entries. */
  add(index: Index, bytes: number): void {
    invariant(!this.full(), 'cannot add into a full inflights window');
    let next = this.start + this.count;
    if (next >= this.maxMessages) next -= this.maxMessages;
    this.indexes[next] = index;
    this.sizes[next] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** Frees every message whose last index is <= `to` (they were acknowledged). */
  freeLE(to: Index): void {
    if (this.count === 0 || to < this.indexes[this.start]!) return;
    let idx = this.start;
    let i = 0;
    let freedBytes = 0;
    for (; i < this.count; i++) {
      if (to < this.indexes[idx]!) break;
      freedBytes += this.sizes[idx]!;
      idx++;
      if (idx >= this.maxMessages) idx -= this.maxMessages;
    }
    this.count -= i;
    this.bytes -= freedBytes;
    this.start = this.count === 0 ? 0 : idx;
  }

  /** Frees the oldest message, whatever its index: lets a stalled window send again. */
  freeFirstOne(): void {
    if (this.count > 0) this.freeLE(this.indexes[this.start]!);
  }

  full(): boolean {
    return this.count === this.maxMessages || this.bytes >= this.maxBytes;
  }

  size(): number {
    return this.count;
  }

  sizeBytes(): number {
    return this.bytes;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.bytes = 0;
  }
}
