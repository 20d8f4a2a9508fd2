// One stream's outgoing responses: a FIFO of encoded control responses and
// per-watcher event responses, written to the gRPC call as fast as the
// client reads (grpc-js' write() result and 'drain').
//
// While the client lags, new events for a watcher are merged into that
// watcher's response still waiting in the queue (whole revisions, up to the
// response size limit), so a slow reader gets fewer, larger responses
// rather than an ever longer queue. Merging never moves an event ahead of a
// response about the same watcher, nor ahead of a stream-wide progress
// response (barrier()). The queue counts its bytes; the stream refuses
// events past its limit (see WatchSession.offer) and onRoom() fires once it
// has drained to half.
//
// Responses with fragment requested are split as etcd's sendFragments does
// when they reach the size limit; others are split only between revisions.

import type { MvccEvent } from '../../../mvcc/index.js';
import {
  encodeEvent,
  encodeWatchResponse,
  fieldSize,
  responseBaseSize,
  type WatchResponseParts,
} from './wire-encode.js';

/** What the queue needs to know about a watcher. */
export interface QueueWatcher {
  readonly id: bigint;
  readonly prevKv: boolean;
  readonly fragment: boolean;
  /** Its events response still in the queue, open for merging. */
  open: EventsItem | undefined;
}

export interface EventsItem {
  readonly kind: 'events';
  readonly watcher: QueueWatcher;
  header: number;
  readonly events: Buffer[];
  eventBytes: number;
  readonly epoch: number;
}

interface ControlItem {
  readonly kind: 'control';
  readonly bytes: Buffer;
}

type Item = EventsItem | ControlItem;

/** The part of a grpc-js server stream the queue writes to. */
export interface WritableCall {
  write(chunk: Buffer): boolean;
  once(event: 'drain', fn: () => void): unknown;
}

export interface SendQueueOptions {
  /** etcd's limit for one response (--max-request-bytes plus gRPC overhead). */
  responseBytesMax: number;
  queueBytesMax: number;
  /** The encoded ResponseHeader for a revision. */
  header(revision: number): Buffer;
  /** The queue drained to half after it had been found full. */
  onRoom(): void;
  soon(fn: () => void): void;
}

/** Queue bytes counted per events response besides its events (header and ids). */
const itemOverheadBytes = 64;
/**
 * Responses handed to gRPC per event-loop turn: each write costs grpc-js
 * some microseconds, and a stream with thousands of watchers must not hold
 * the loop (heartbeats, apply, other streams) while it writes them all.
 */
const writesPerTurn = 256;

export class SendQueue {
  private items: (Item | undefined)[] = [];
  private head = 0;
  private bytes = 0;
  private epoch = 0;
  private blocked = false;
  private scheduled = false;
  private wasFull = false;
  private closed = false;

  constructor(
    private readonly call: WritableCall,
    private readonly o: SendQueueOptions,
  ) {}

  get queuedBytes(): number {
    return this.bytes;
  }

  hasRoom(): boolean {
    if (this.bytes < this.o.queueBytesMax) return true;
    this.wasFull = true;
    return false;
  }

  /** A response sent as it is, after everything queued before it. */
  control(parts: WatchResponseParts): void {
    const bytes = encodeWatchResponse(parts);
    this.push({ kind: 'control', bytes });
    this.bytes += bytes.length;
  }

  /** Events queued from now on go after everything queued so far, for every watcher. */
  barrier(): void {
    this.epoch++;
  }

  /** Queues `events` (whole revisions, ascending) for `w` with header revision `header`. */
  events(w: QueueWatcher, header: number, events: readonly MvccEvent[]): void {
    let i = 0;
    while (i < events.length) {
      const revision = events[i]!.kv.modRevision;
      const encoded: Buffer[] = [];
      let size = 0;
      for (; i < events.length && events[i]!.kv.modRevision === revision; i++) {
        const e = encodeEvent(events[i]!, w.prevKv);
        encoded.push(e);
        size += fieldSize(e.length);
      }
      let item = w.open;
      if (
        item === undefined ||
        item.epoch !== this.epoch ||
        item.eventBytes + size > this.o.responseBytesMax
      ) {
        item = { kind: 'events', watcher: w, header, events: [], eventBytes: 0, epoch: this.epoch };
        this.push(item);
        this.bytes += itemOverheadBytes;
        w.open = item;
      }
      for (const e of encoded) item.events.push(e);
      item.eventBytes += size;
      item.header = Math.max(item.header, header);
      this.bytes += size;
    }
  }

  close(): void {
    this.closed = true;
    this.items = [];
    this.head = 0;
    this.bytes = 0;
  }

  private push(item: Item): void {
    if (this.closed) return;
    this.items.push(item);
    if (!this.scheduled && !this.blocked) {
      this.scheduled = true;
      this.o.soon(() => this.pump());
    }
  }

  private pump(): void {
    this.scheduled = false;
    for (let writes = 0; !this.blocked && !this.closed && this.head < this.items.length; writes++) {
      if (writes === writesPerTurn) {
        this.scheduled = true;
        this.o.soon(() => this.pump());
        break;
      }
      const item = this.items[this.head]!;
      this.items[this.head++] = undefined;
      if (item.kind === 'control') {
        this.bytes -= item.bytes.length;
        this.write(item.bytes);
        continue;
      }
      if (item.watcher.open === item) item.watcher.open = undefined;
      this.bytes -= item.eventBytes + itemOverheadBytes;
      for (const bytes of this.encode(item)) this.write(bytes);
    }
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.wasFull && this.bytes <= this.o.queueBytesMax / 2) {
      this.wasFull = false;
      this.o.onRoom();
    }
  }

  private write(bytes: Buffer): void {
    if (this.call.write(bytes) || this.blocked) return;
    this.blocked = true;
    this.call.once('drain', () => {
      this.blocked = false;
      this.pump();
    });
  }

  /** The item as one response, or as etcd's fragments when asked for and too large. */
  private encode(item: EventsItem): Buffer[] {
    const parts: WatchResponseParts = {
      header: this.o.header(item.header),
      watchId: item.watcher.id,
      events: item.events,
    };
    const limit = this.o.responseBytesMax;
    const n = item.events.length;
    if (!item.watcher.fragment || n < 2 || responseBaseSize(parts) + item.eventBytes < limit) {
      return [encodeWatchResponse(parts)];
    }
    // Each fragment takes events while it stays below the limit (always at
    // least one); all but the last say fragment=true.
    const base = responseBaseSize({ ...parts, fragment: true });
    const out: Buffer[] = [];
    for (let start = 0; start < n;) {
      let size = base;
      let end = start;
      for (; end < n; end++) {
        const s = fieldSize(item.events[end]!.length);
        if (end > start && size + s >= limit) break;
        size += s;
      }
      const events = item.events.slice(start, end);
      out.push(encodeWatchResponse({ ...parts, events, fragment: end < n }));
      start = end;
    }
    return out;
  }
}
