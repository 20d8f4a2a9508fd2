// A watcher: one etcd watch as the caller sees it, across streams and
// members.
//
//   const watcher = client.watch({ key: 'jobs/', prefix: true });
//   for await (const { revision, events } of watcher) { … }
//
// Guarantees (etcd's, kept across failures): events arrive in revision
// order, each revision once. When the stream or the member under a watcher
// fails, the hub re-creates it on another member from `lastRevision + 1`
// (or from the original start revision if nothing was seen yet), and any
// event at or below `lastRevision` that a new member sends again is
// dropped: no gap, no duplicate. A watch whose start revision has been
// compacted ends with CompactedError carrying the compact revision; the
// caller may re-read and watch again from there.
//
// `lastRevision` is the revision up to which the watcher has delivered
// every event: the mod revision of its last event, or the revision of a
// progress notification addressed to it, or — for a watch from "now" —
// the store revision when it was created.

import { EventEmitter } from 'node:events';
import type * as w from '../server/grpc/wire-types.js';
import { EventType, WatchFilterType } from '../server/grpc/wire-types.js';
import {
  headerIn,
  int64In,
  int64Out,
  keyValueIn,
  type Bytes,
  type KeyValue,
  type ResponseHeader,
  type Revision,
} from './codec.js';
import { EtcdClientError, WatchOverflowError } from './errors.js';
import { keyRange } from './kv.js';

export interface WatchOptions {
  key: Bytes;
  prefix?: boolean;
  fromKey?: boolean;
  rangeEnd?: Bytes;
  /** Watch from this revision (inclusive); absent or 0: from now on. */
  startRevision?: Revision | number;
  /** Each event carries the key-value pair before it. */
  prevKv?: boolean;
  /** Leave out put events. */
  noPut?: boolean;
  /** Leave out delete events. */
  noDelete?: boolean;
  /** Ask the server for periodic progress notifications while idle. */
  progressNotify?: boolean;
  /** Let the server split large responses; the watcher merges them back. */
  fragment?: boolean;
}

export interface WatchEvent {
  type: 'put' | 'delete';
  kv: KeyValue;
  prevKv: KeyValue | undefined;
}

export interface WatchResponse {
  header: ResponseHeader;
  /** The store revision when the server sent the response (header.revision). */
  revision: Revision;
  /** Empty for a progress notification. */
  events: WatchEvent[];
  /** A progress notification: every event up to `revision` was already delivered. */
  progress: boolean;
}

/** What a watcher needs from the hub that moves it between streams. */
export interface WatchHost {
  detach(w: Watcher): void;
  requestProgress(w: Watcher): void;
}

export function eventIn(e: w.Event<'in'>): WatchEvent {
  return {
    type: e.type === EventType.DELETE ? 'delete' : 'put',
    kv: keyValueIn(e.kv ?? emptyKv),
    prevKv: e.prev_kv ? keyValueIn(e.prev_kv) : undefined,
  };
}

const emptyKv: w.KeyValue<'in'> = {
  key: Buffer.alloc(0),
  value: Buffer.alloc(0),
  create_revision: '0',
  mod_revision: '0',
  version: '0',
  lease: '0',
};

type Waiter = {
  resolve: (r: IteratorResult<WatchResponse, undefined>) => void;
  reject: (e: unknown) => void;
};

/**
 * Events: 'created' (header revision, endpoint) the first time the watch
 * is established; 'resumed' ({ endpoint, fromRevision }) each time it is
 * re-created after a failure; 'error' (err) when it ends with an error
 * (only if someone listens; the iterator rejects either way).
 */
export class Watcher extends EventEmitter implements AsyncIterable<WatchResponse> {
  /** Resolves with the store revision once the watch is first established. */
  readonly ready: Promise<Revision>;
  private resolveReady!: (rev: Revision) => void;
  private rejectReady!: (e: unknown) => void;
  private readonly request: w.WatchCreateRequest<'out'>;
  private readonly startRevision: Revision;
  /** Everything up to here was delivered; undefined until known. */
  private seen: Revision | undefined;
  private everCreated = false;
  private fragments: w.Event<'in'>[] = [];
  private readonly queue: WatchResponse[] = [];
  private readonly waiters: Waiter[] = [];
  private ended = false;
  private failure: EtcdClientError | undefined;
  private failureReported = false;
  /** The endpoint of the stream carrying the watch now, if any. */
  endpoint: string | undefined;
  /** Consecutive failed attempts to (re-)establish the watch; drives the hub's backoff. */
  attempts = 0;

  constructor(
    private readonly host: WatchHost,
    o: WatchOptions,
    private readonly bufferedResponsesMax: number,
  ) {
    super();
    this.ready = new Promise<Revision>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => {}); // the iterator reports the failure too
    const filters: w.EnumValue<typeof WatchFilterType>[] = [];
    if (o.noPut) filters.push(WatchFilterType.NOPUT);
    if (o.noDelete) filters.push(WatchFilterType.NODELETE);
    this.startRevision = BigInt(int64Out(o.startRevision ?? 0, 'startRevision'));
    if (this.startRevision < 0n) throw new RangeError('capstan client: startRevision < 0');
    if (this.startRevision > 0n) this.seen = this.startRevision - 1n;
    this.request = {
      ...keyRange(o.key, o),
      progress_notify: o.progressNotify === true,
      filters,
      prev_kv: o.prevKv === true,
      fragment: o.fragment === true,
      watch_id: '0', // the server assigns ids
    };
  }

  /** The revision up to which every event has been delivered (0n before the watch is established). */
  get lastRevision(): Revision {
    return this.seen ?? 0n;
  }

  get done(): boolean {
    return this.ended;
  }

  /** The create request for the next (re-)establishment: from lastRevision + 1, or the original start. */
  createRequest(): w.WatchCreateRequest<'out'> {
    const from = this.seen === undefined ? 0n : this.seen + 1n;
    return { ...this.request, start_revision: from.toString() };
  }

  /** Asks the server for a progress notification on this watcher's stream. */
  requestProgress(): void {
    if (!this.ended) this.host.requestProgress(this);
  }

  /** Stops the watch; the iterator ends after what is already buffered. */
  async cancel(): Promise<void> {
    if (this.ended) return;
    this.end(undefined);
  }

  // ------------------------------------------------ called by stream and hub

  /** The server confirmed the watch on `endpoint`. */
  onCreated(header: w.ResponseHeader<'in'> | null, endpoint: string): void {
    const revision = int64In(header?.revision);
    this.endpoint = endpoint;
    this.attempts = 0;
    this.fragments = [];
    if (this.seen === undefined) this.seen = revision; // a watch from "now" starts after this
    if (!this.everCreated) {
      this.everCreated = true;
      this.resolveReady(revision);
      this.emit('created', revision, endpoint);
    } else {
      this.emit('resumed', { endpoint, fromRevision: this.seen + 1n });
    }
  }

  /** The stream under the watch broke; the hub will re-create it. */
  onDetached(): void {
    this.endpoint = undefined;
    this.fragments = [];
  }

  /** A response for this watch id: events, a fragment of them, or a progress notification. */
  onResponse(res: w.WatchResponse<'in'>): void {
    if (this.ended) return;
    if (res.fragment) {
      this.fragments.push(...res.events);
      return;
    }
    const raw = this.fragments.length > 0 ? [...this.fragments, ...res.events] : res.events;
    this.fragments = [];
    const header = headerIn(res.header);
    if (raw.length === 0) {
      if (this.seen === undefined || header.revision > this.seen) this.seen = header.revision;
      this.push({ header, revision: header.revision, events: [], progress: true });
      return;
    }
    const events = raw
      .map(eventIn)
      .filter((e) => this.seen === undefined || e.kv.modRevision > this.seen);
    if (events.length === 0) return; // all seen before a resume
    this.seen = events[events.length - 1]!.kv.modRevision;
    this.push({ header, revision: header.revision, events, progress: false });
  }

  /** A progress response meant for every watcher of a stream (etcd 3.4 sends watch id -1). */
  onBroadcastProgress(res: w.WatchResponse<'in'>): void {
    if (this.ended) return;
    // Not used to advance lastRevision: etcd 3.4 sends it without checking
    // that every watcher of the stream has caught up to that revision.
    const header = headerIn(res.header);
    this.push({ header, revision: header.revision, events: [], progress: true });
  }

  /** Ends the watcher with an error (delivered after what is buffered). */
  fail(err: EtcdClientError): void {
    if (this.ended) return;
    this.end(err);
  }

  // ---------------------------------------------------------- iteration

  [Symbol.asyncIterator](): AsyncIterator<WatchResponse, undefined> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.cancel();
        return { done: true, value: undefined };
      },
    };
  }

  /** The next response; `done` once the watcher is canceled; rejects when it failed. */
  next(): Promise<IteratorResult<WatchResponse, undefined>> {
    const r = this.queue.shift();
    if (r !== undefined) return Promise.resolve({ done: false, value: r });
    if (this.ended) {
      if (this.failure !== undefined && !this.failureReported) {
        this.failureReported = true;
        return Promise.reject(this.failure);
      }
      return Promise.resolve({ done: true, value: undefined });
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private push(r: WatchResponse): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve({ done: false, value: r });
      return;
    }
    this.queue.push(r);
    if (this.queue.length > this.bufferedResponsesMax) {
      this.fail(
        new WatchOverflowError(
          `capstan client: the watch consumer is more than ${this.bufferedResponsesMax} responses behind`,
        ),
      );
    }
  }

  private end(err: EtcdClientError | undefined): void {
    this.ended = true;
    this.failure = err;
    this.host.detach(this);
    if (!this.everCreated)
      this.rejectReady(err ?? new EtcdClientError('watch canceled', undefined));
    if (err !== undefined && this.listenerCount('error') > 0) this.emit('error', err);
    // Waiters only exist while the queue is empty.
    for (const waiter of this.waiters.splice(0)) {
      if (err !== undefined && !this.failureReported) {
        this.failureReported = true;
        waiter.reject(err);
      } else {
        waiter.resolve({ done: true, value: undefined });
      }
    }
  }
}
