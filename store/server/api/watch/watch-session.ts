// One Watch stream (etcd's serverWatchStream): its requests in order, its
// watchers (ids chosen by the client or allocated from 0, as etcd does),
// and the hub's responses through its send queue.
//
// What etcd 3.4 answers, checked against a real etcd 3.4.23:
// - create: `created` with the store's revision and the watch id. A range
//   whose end is at or below its key, or an id already in use on the
//   stream, is answered with watch_id -1, created and canceled, and etcd's
//   reason. An empty key watches the key "\0".
// - cancel of a watch on the stream: `canceled`; of an unknown id: nothing.
// - a watcher whose next revision is compacted: canceled with
//   compact_revision (etcd's header revision there is 0; capstan sends the
//   current revision, so a client never sees a header go back).
// - progress request: a response with watch_id -1 at a revision every
//   watcher of the stream has fully seen. etcd 3.4 answers at once with its
//   current revision even when a watcher is still catching up (a known
//   etcd bug, issue 15220); capstan answers once all watchers are synced.
// - progress_notify: every progressNotifyIntervalMs, an empty response to
//   each such watcher that got no events meanwhile and is synced.
// - the client closing its side ends nothing: events keep coming until it
//   cancels the call (etcd's recvLoop returns, the stream stays open).
//
// A create with a start revision (a resume, typically) first waits for a
// ReadIndex barrier, so this member has applied every revision the client
// can have seen anywhere: headers on the resumed watch never go below
// those it saw on another member. If the barrier fails (no leader), the
// watch is created anyway, as etcd would.

import type { ServerDuplexStream } from '@grpc/grpc-js';
import { toServiceError } from '../../../errors.js';
import {
  isEmptyRange,
  watchRange,
  type HubResponse,
  type HubWatcher,
  type WatchHub,
  type WatchSink,
} from '../../../mvcc/watch/index.js';
import { refusedRequest } from '../../grpc/request-checks.js';
import * as w from '../../grpc/wire-types.js';
import { revisionIn } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { asWireError } from '../unary.js';
import { SendQueue, type EventsItem, type QueueWatcher } from './send-queue.js';
import type { WatchServiceLimits } from './watch-limits.js';
import { encodeHeader, type WatchResponseParts } from './wire-encode.js';

type Call = ServerDuplexStream<w.WatchRequest<'in'>, Buffer>;

/** etcd's mvcc errors for a create it refuses (mvcc/watcher.go). */
const emptyRangeReason = 'mvcc: watcher range is empty';
const duplicateIdReason = 'mvcc: duplicate watch ID provided on the WatchStream';

interface Entry extends QueueWatcher {
  hub: HubWatcher;
  /** In `entries` still (not canceled, not ended by compaction). */
  live: boolean;
  readonly progressNotify: boolean;
  /** No events since the last progress tick (etcd's progress[id]). */
  progressDue: boolean;
}

export interface WatchSessionOptions {
  limits: WatchServiceLimits;
  /** Wait for a ReadIndex barrier before a create with a start revision. */
  linearizableResume: boolean;
  /** The largest response before fragmenting (etcd: --max-request-bytes + gRPC overhead). */
  responseBytesMax: number;
}

export class WatchSession implements WatchSink {
  private readonly entries = new Map<bigint, Entry>();
  private nextId = 0n;
  private readonly queue: SendQueue;
  private chain: Promise<void> = Promise.resolve();
  private pendingRequests = 0;
  private paused = false;
  private progressRequests = 0;
  private ticker: NodeJS.Timeout | undefined;
  private closed = false;
  private lastHeader: { revision: number; term: unknown; bytes: Buffer } | undefined;

  constructor(
    private readonly ctx: ApiContext,
    private readonly hub: WatchHub,
    private readonly call: Call,
    private readonly o: WatchSessionOptions,
  ) {
    this.queue = new SendQueue(call, {
      responseBytesMax: o.responseBytesMax,
      queueBytesMax: o.limits.streamQueueBytesMax,
      header: (revision) => this.header(revision),
      onRoom: () => hub.sinkReady(),
      soon: (fn) => setImmediate(fn),
    });
  }

  start(): void {
    this.call.on('data', (req: w.WatchRequest<'in'>) => this.receive(req));
    this.call.on('error', () => this.close());
    this.call.on('cancelled', () => this.close());
    this.call.on('close', () => this.close());
  }

  // ---- WatchSink ----

  ready(): boolean {
    return !this.closed && this.queue.hasRoom();
  }

  offer(hw: HubWatcher, r: HubResponse): boolean {
    const e = hw.tag as Entry;
    if (this.closed || !e.live) return true; // canceled meanwhile
    if (r.compactRevision !== undefined) {
      e.live = false;
      this.entries.delete(e.id);
      this.queue.control({
        header: this.header(r.revision),
        watchId: e.id,
        canceled: true,
        compactRevision: r.compactRevision,
      });
      return true;
    }
    if (!this.queue.hasRoom()) return false;
    if (r.events.length === 0) {
      e.open = undefined;
      this.queue.control({ header: this.header(r.revision), watchId: e.id });
      return true;
    }
    this.queue.events(e, r.revision, r.events);
    e.progressDue = false;
    return true;
  }

  progressCheck(): void {
    this.answerProgress();
  }

  // ---- requests ----

  private receive(req: w.WatchRequest<'in'>): void {
    if (this.closed) return;
    const refused = refusedRequest(req);
    if (refused !== undefined) return this.fail(refused);
    // Started now, so the barriers of creates waiting in line share rounds.
    const barrier = this.barrierFor(req);
    this.pendingRequests++;
    if (!this.paused && this.pendingRequests > this.o.limits.streamPendingRequestsMax) {
      this.paused = true;
      this.call.pause();
    }
    this.chain = this.chain
      .then(async () => {
        if (barrier !== undefined) await barrier;
        if (!this.closed) this.handle(req);
      })
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        this.pendingRequests--;
        if (this.paused && this.pendingRequests <= this.o.limits.streamPendingRequestsMax / 2) {
          this.paused = false;
          this.call.resume();
        }
      });
  }

  private barrierFor(req: w.WatchRequest<'in'>): Promise<void> | undefined {
    if (!this.o.linearizableResume || req.request_union !== 'create_request') return undefined;
    if (revisionIn(req.create_request.start_revision) <= 0) return undefined;
    try {
      return this.ctx.readBarrier().catch(() => undefined);
    } catch {
      return undefined;
    }
  }

  private handle(req: w.WatchRequest<'in'>): void {
    switch (req.request_union) {
      case 'create_request':
        return this.create(req.create_request);
      case 'cancel_request':
        return this.cancel(req.cancel_request);
      case 'progress_request':
        this.progressRequests++;
        return this.answerProgress();
      default:
        // etcd ignores a request with nothing in it.
        return;
    }
  }

  private create(c: w.WatchCreateRequest<'in'>): void {
    const key = c.key.length === 0 ? Uint8Array.of(0) : new Uint8Array(c.key);
    const end = c.range_end.length === 0 ? undefined : new Uint8Array(c.range_end);
    const range = watchRange(key, end);
    if (isEmptyRange(range)) return this.refuseCreate(emptyRangeReason);
    let id = BigInt(c.watch_id);
    if (id === 0n) {
      while (this.entries.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    } else if (this.entries.has(id)) {
      return this.refuseCreate(duplicateIdReason);
    }
    const options = {
      prevKv: c.prev_kv,
      noPut: c.filters.includes(w.WatchFilterType.NOPUT),
      noDelete: c.filters.includes(w.WatchFilterType.NODELETE),
    };
    const entry: Entry = {
      id,
      prevKv: c.prev_kv,
      fragment: c.fragment,
      open: undefined,
      hub: undefined as unknown as HubWatcher, // set right below: the hub's tag is the entry
      live: true,
      progressNotify: c.progress_notify,
      progressDue: true,
    };
    entry.hub = this.hub.watch(range, revisionIn(c.start_revision), options, this, entry);
    this.entries.set(id, entry);
    this.queue.control({
      header: this.header(entry.hub.lastHeader),
      watchId: id,
      created: true,
    });
    if (c.progress_notify) this.startTicker();
  }

  private refuseCreate(reason: string): void {
    this.queue.control({
      header: this.header(this.ctx.mvcc.currentRevision()),
      watchId: -1n,
      created: true,
      canceled: true,
      cancelReason: reason,
    });
  }

  private cancel(c: w.WatchCancelRequest<'in'>): void {
    const id = BigInt(c.watch_id);
    const e = this.entries.get(id);
    if (e === undefined) return;
    this.hub.cancel(e.hub);
    this.entries.delete(id);
    e.live = false;
    e.open = undefined;
    const revision = Math.max(this.ctx.mvcc.currentRevision(), e.hub.lastHeader);
    this.queue.control({ header: this.header(revision), watchId: id, canceled: true });
  }

  /** Answers pending progress requests once every watcher has all events up to the hub's revision. */
  private answerProgress(): void {
    if (this.closed || this.progressRequests === 0) {
      this.hub.stopAwaitingProgress(this);
      return;
    }
    for (const e of this.entries.values()) {
      if (!this.hub.bookmarkable(e.hub)) {
        this.hub.awaitProgress(this);
        return;
      }
    }
    this.hub.stopAwaitingProgress(this);
    const revision = this.hub.revision();
    for (const e of this.entries.values()) {
      e.hub.lastHeader = Math.max(e.hub.lastHeader, revision);
    }
    this.queue.barrier();
    for (; this.progressRequests > 0; this.progressRequests--) {
      this.queue.control({ header: this.header(revision), watchId: -1n });
    }
  }

  private startTicker(): void {
    if (this.ticker !== undefined || this.closed) return;
    this.ticker = setInterval(() => this.tick(), this.o.limits.progressNotifyIntervalMs);
    this.ticker.unref();
  }

  /** etcd's progress ticker: watchers that asked and got no events since the last tick. */
  private tick(): void {
    for (const e of this.entries.values()) {
      if (!e.progressNotify) continue;
      if (e.progressDue) this.hub.requestProgress(e.hub);
      e.progressDue = true;
    }
  }

  // ---- the stream ----

  private header(revision: number): Buffer {
    const h = this.ctx.header(revision);
    const last = this.lastHeader;
    if (last !== undefined && last.revision === revision && last.term === h.raft_term) {
      return last.bytes;
    }
    const bytes = encodeHeader({
      clusterId: BigInt(h.cluster_id ?? 0),
      memberId: BigInt(h.member_id ?? 0),
      revision,
      raftTerm: BigInt(h.raft_term ?? 0),
    });
    this.lastHeader = { revision, term: h.raft_term, bytes };
    return bytes;
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.close();
    // grpc-js ends a server stream with a status on 'error' (destroy() would
    // drop the status and leave the client waiting).
    this.call.emit('error', toServiceError(asWireError(err, this.ctx.log, 'Watch')));
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const e of this.entries.values()) {
      e.live = false;
      this.hub.cancel(e.hub);
    }
    this.entries.clear();
    this.hub.stopAwaitingProgress(this);
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.queue.close();
  }
}

export type { EventsItem, WatchResponseParts };
