// The sending side of one peer over gRPC: one long-lived client-streaming
// `Stream` call (grpc-js moves ~78k msgs/s that way, against ~6k/s unary:
// /work/shared/NODE-STACK.md), written in batches.
//
// States:
//   connecting  a call is open but the receiver has not answered yet; messages
//               queue and are written (grpc buffers them until connected).
//   open        the receiver sent its headers. The backoff is reset when an open
//               stream ends after lasting at least the longest delay, so a
//               peer that accepts and at once refuses (another cluster, or
//               we were removed) is retried slowly, and a restarted one fast.
//   backoff     the last call failed; messages are dropped at once and the peer
//               is reported unreachable until the timer opens a new call.
//   closed      removed or transport closed; nothing runs.
// Backpressure: when write() returns false the peer stops writing until
// 'drain'; messages keep queueing up to the bounds (transport-base.ts drops
// past them), so a slow peer costs only its own queue, never the caller.

import * as grpc from '@grpc/grpc-js';
import type { NodeId } from '../raft/types.js';
import { Backoff } from './backoff.js';
import { peerChannelOptions, peerUrlToTarget } from './grpc-config.js';
import type { TransportLimits } from './limits.js';
import { streamMethod, type WireBatch, type WireStreamAck } from './peer-proto.js';
import { PeerQueue } from './peer-queue.js';
import type { OutboundPeer } from './transport-base.js';
import type { TransportLogger, TransportStats } from './transport.js';
import { joinEncoded } from './wire-codec.js';

/** What a peer needs from its transport. */
export interface GrpcPeerContext {
  selfId: NodeId;
  clusterId: bigint;
  limits: TransportLimits;
  counters: TransportStats;
  logger: TransportLogger;
  random: () => number;
  reportUnreachable(id: NodeId): void;
  reportRemoved(by: NodeId): void;
  reportDown(id: NodeId): void;
}

type State = 'connecting' | 'open' | 'backoff' | 'closed';

/** How a receiver words its refusal of a removed member (inbound.ts). */
const removedRefusal = /was removed from the cluster/;

export class GrpcPeer implements OutboundPeer {
  readonly queue: PeerQueue;
  private state: State = 'connecting';
  private client: grpc.Client | undefined;
  private urlIndex = 0;
  private call: grpc.ClientWritableStream<WireBatch> | undefined;
  private blocked = false;
  private openedAtMs = 0;
  /** Date.now() when the current stream opened (for activeSinceMs). */
  private openedAtWallMs = 0;
  private flushing: NodeJS.Immediate | undefined;
  private retry: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly from: string;
  private readonly clusterId: string;

  constructor(
    readonly id: NodeId,
    private urls: readonly string[],
    private readonly ctx: GrpcPeerContext,
  ) {
    const l = ctx.limits;
    if (urls.length === 0) throw new RangeError(`transport: peer ${id} has no urls`);
    urls.forEach(peerUrlToTarget); // refuse bad urls now, not on first use
    this.queue = new PeerQueue(l.maxPeerQueueMessages, l.maxPeerQueueBytes);
    this.backoff = new Backoff(
      l.peerBackoffMinMs,
      l.peerBackoffMaxMs,
      l.peerBackoffJitterFraction,
      ctx.random,
    );
    this.from = ctx.selfId.toString();
    this.clusterId = ctx.clusterId.toString();
    this.openStream();
  }

  isDown(): boolean {
    return this.state === 'backoff';
  }

  /** The client of the current url, for snapshot and other calls. */
  currentClient(): grpc.Client {
    if (!this.client) {
      const target = peerUrlToTarget(this.urls[this.urlIndex % this.urls.length]!);
      this.client = new grpc.Client(
        target,
        grpc.credentials.createInsecure(),
        peerChannelOptions(this.ctx.limits),
      );
    }
    return this.client;
  }

  scheduleFlush(): void {
    // Everything queued until the next turn of the event loop goes out as one batch.
    this.flushing ??= setImmediate(() => {
      this.flushing = undefined;
      this.flush();
    });
  }

  setUrls(urls: readonly string[]): void {
    if (urls.length === 0) throw new RangeError(`transport: peer ${this.id} has no urls`);
    urls.forEach(peerUrlToTarget);
    this.urls = urls;
    this.urlIndex = 0;
    if (this.state === 'closed') return;
    this.dropConnection();
    this.clearRetry();
    this.openStream();
  }

  activeSinceMs(): number | undefined {
    return this.state === 'open' ? this.openedAtWallMs : undefined;
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    this.clearRetry();
    this.queue.clear();
    this.dropConnection();
  }

  private openStream(): void {
    const client = this.currentClient();
    this.state = 'connecting';
    this.blocked = false;
    const call = client.makeClientStreamRequest<WireBatch, WireStreamAck>(
      streamMethod.path,
      streamMethod.requestSerialize,
      streamMethod.responseDeserialize,
      new grpc.Metadata(),
      {},
      (err) => this.onStreamEnd(call, err),
    );
    // The receiver sends its headers as soon as it accepts the stream: that is our "connected".
    call.on('metadata', () => {
      if (this.call !== call || this.state !== 'connecting') return;
      this.state = 'open';
      this.openedAtMs = performance.now();
      this.openedAtWallMs = Date.now();
    });
    this.call = call;
    if (this.queue.length > 0) this.scheduleFlush();
  }

  private onStreamEnd(
    call: grpc.ClientWritableStream<WireBatch>,
    err: grpc.ServiceError | null,
  ): void {
    if (this.call !== call || this.state === 'closed') return;
    this.call = undefined;
    const c = this.ctx.counters;
    c.droppedPeerDown += this.queue.clear();
    const lived = this.state === 'open' ? performance.now() - this.openedAtMs : 0;
    if (lived >= this.ctx.limits.peerBackoffMaxMs) this.backoff.reset();
    const delayMs = this.backoff.nextDelayMs();
    this.ctx.logger.warn(
      { peer: this.id, code: err?.code, err: err?.details, retryInMs: delayMs },
      'transport: stream to peer ended',
    );
    this.ctx.reportUnreachable(this.id);
    if (err) this.ctx.reportDown(this.id);
    if (err?.code === grpc.status.FAILED_PRECONDITION && removedRefusal.test(err.details)) {
      this.ctx.reportRemoved(this.id);
    }
    // Try the next url: a member with several may be reachable on another.
    if (this.urls.length > 1) {
      this.urlIndex++;
      this.closeClient();
    }
    this.state = 'backoff';
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.state === 'backoff') this.openStream();
    }, delayMs);
  }

  private flush(): void {
    const call = this.call;
    if (!call || this.blocked || this.state === 'closed') return;
    const c = this.ctx.counters;
    while (this.queue.length > 0) {
      const { encoded, bytes } = this.queue.take(this.ctx.limits.maxBatchBytes);
      c.sentBatches++;
      c.sentMessages += encoded.length;
      const batch: WireBatch = {
        clusterId: this.clusterId,
        from: this.from,
        payload: joinEncoded(encoded, bytes),
      };
      if (!call.write(batch)) {
        this.blocked = true;
        call.once('drain', () => {
          if (this.call !== call) return;
          this.blocked = false;
          this.flush();
        });
        return;
      }
    }
  }

  private clearRetry(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
  }

  /** Cancels the stream and closes the channel (their callbacks see a stale call and do nothing). */
  private dropConnection(): void {
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.closeClient();
  }

  private closeClient(): void {
    this.client?.close();
    this.client = undefined;
  }
}
