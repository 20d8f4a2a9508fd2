// What both transports share: the peer table, the sending rules (encode,
// bound, drop, report) and the bookkeeping of snapshots and counters. Each
// subclass supplies only how bytes move: gRPC streams or the memory hub.
// Keeping this in one place is what makes the in-memory twin honest: the
// rules a server test exercises are the production rules.

import { MessageType, type Message, type NodeId } from '../raft/types.js';
import { PeerInbound } from './inbound.js';
import { type TransportLimits, withLimits } from './limits.js';
import type { PeerQueue } from './peer-queue.js';
import {
  emptyStats,
  silentTransportLogger,
  type Transport,
  type TransportHandlers,
  type TransportLogger,
  type TransportOptions,
  type TransportStats,
  type TransportTestHooks,
} from './transport.js';
import { encodeMessage } from './wire-codec.js';

/** One peer's sending side, as the shared rules see it. */
export interface OutboundPeer {
  readonly queue: PeerQueue;
  /** True while the peer is known to be unreachable: messages are dropped at once. */
  isDown(): boolean;
  /** Something was queued: write it out soon (coalescing what else arrives meanwhile). */
  scheduleFlush(): void;
  setUrls(urls: readonly string[]): void;
  /** Date.now() when the current connection to the peer opened; undefined while there is none. */
  activeSinceMs(): number | undefined;
  close(): void;
}

export abstract class TransportBase<P extends OutboundPeer> implements Transport {
  readonly id: NodeId;
  readonly clusterId: bigint;
  readonly inbound: PeerInbound;
  protected readonly limits: TransportLimits;
  protected readonly handlers: TransportHandlers;
  protected readonly logger: TransportLogger;
  protected readonly random: () => number;
  protected readonly testing: TransportTestHooks;
  protected readonly counters: TransportStats = emptyStats();
  protected readonly peers = new Map<NodeId, P>();
  private readonly removed = new Set<NodeId>();
  private readonly snapshotsInFlight = new Set<NodeId>();
  protected closed = false;

  constructor(o: TransportOptions) {
    if (o.id === 0n) throw new RangeError('transport: member id 0 is reserved for "none"');
    this.id = o.id;
    this.clusterId = o.clusterId;
    this.limits = withLimits(o.limits);
    this.handlers = o.handlers;
    this.logger = o.logger ?? silentTransportLogger;
    this.random = o.random ?? Math.random;
    this.testing = o.testing ?? {};
    this.inbound = new PeerInbound({
      id: o.id,
      clusterId: o.clusterId,
      handlers: o.handlers,
      directory: {
        isKnown: (id) => this.peers.has(id),
        isRemoved: (id) => this.removed.has(id),
      },
      stats: this.counters,
      logger: this.logger,
    });
  }

  protected abstract createPeer(id: NodeId, urls: readonly string[]): P;
  /** Streams one snapshot to `peer`; resolves to whether the receiver accepted it. */
  protected abstract transferSnapshot(
    peer: P,
    msg: Message,
    data: () => AsyncIterable<Uint8Array>,
  ): Promise<boolean>;
  /** Stops what the subclass runs; called once by close(). */
  protected abstract shutdown(): Promise<void>;

  addPeer(id: NodeId, urls: readonly string[]): void {
    if (id === this.id || id === 0n) throw new RangeError(`transport: cannot add peer ${id}`);
    if (this.removed.has(id))
      throw new RangeError(`transport: member ${id} was removed; ids are not reused`);
    if (this.peers.has(id)) throw new RangeError(`transport: peer ${id} added twice`);
    if (this.closed) return;
    this.peers.set(id, this.createPeer(id, urls));
  }

  updatePeer(id: NodeId, urls: readonly string[]): void {
    const peer = this.peers.get(id);
    if (!peer) throw new RangeError(`transport: cannot update unknown peer ${id}`);
    peer.setUrls(urls);
  }

  removePeer(id: NodeId): void {
    this.removed.add(id);
    const peer = this.peers.get(id);
    if (!peer) return;
    this.peers.delete(id);
    peer.close();
  }

  send(msgs: readonly Message[]): void {
    if (this.closed) return;
    // Encode (and so check) everything first: a bad message is a bug, and queueing half a Ready would hide it.
    const encoded = msgs.map((m) => {
      if (m.type === MessageType.Snap)
        throw new Error('transport: MsgSnap must go through sendSnapshot');
      if (m.from !== this.id)
        throw new RangeError(`transport: message from ${m.from}, not from ${this.id}`);
      return encodeMessage(m);
    });
    const maxMessageBytes = this.limits.peerMaxMessageBytes - this.limits.maxBatchBytes;
    let unreachable: Set<NodeId> | undefined;
    for (let i = 0; i < msgs.length; i++) {
      const to = msgs[i]!.to;
      const bytes = encoded[i]!;
      const peer = this.peers.get(to);
      const c = this.counters;
      let dropped = true;
      if (!peer) c.droppedUnknownPeer++;
      else if (peer.isDown()) c.droppedPeerDown++;
      else if (bytes.length > maxMessageBytes) c.droppedTooLarge++;
      else if (!peer.queue.push(bytes)) c.droppedQueueFull++;
      else {
        dropped = false;
        peer.scheduleFlush();
      }
      // Raft learns of loss from reportUnreachable (etcd reports every dropped message likewise).
      if (dropped && peer) (unreachable ??= new Set()).add(to);
    }
    if (unreachable) for (const id of unreachable) this.reportUnreachable(id);
  }

  sendSnapshot(msg: Message, data: () => AsyncIterable<Uint8Array>): void {
    if (this.closed) return;
    if (msg.type !== MessageType.Snap || !msg.snapshot) {
      throw new RangeError('transport: sendSnapshot needs a MsgSnap with a snapshot');
    }
    const to = msg.to;
    const peer = this.peers.get(to);
    // Raft sends one snapshot at a time to a follower; a second one while the first is in flight is refused.
    if (!peer || this.snapshotsInFlight.has(to)) {
      this.counters.snapshotsFailed++;
      this.defer(() => this.handlers.onSnapshotStatus(to, false));
      return;
    }
    this.snapshotsInFlight.add(to);
    void this.transferSnapshot(peer, msg, data)
      .catch((err: unknown) => {
        this.logger.warn({ to, err }, 'transport: snapshot transfer failed');
        return false;
      })
      .then((ok) => {
        this.snapshotsInFlight.delete(to);
        if (ok) this.counters.snapshotsSent++;
        else this.counters.snapshotsFailed++;
        this.defer(() => this.handlers.onSnapshotStatus(to, ok));
      });
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  activeSinceMs(id: NodeId): number | undefined {
    return this.peers.get(id)?.activeSinceMs();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.inbound.close();
    for (const peer of this.peers.values()) peer.close();
    await this.shutdown();
  }

  /** Called by subclasses when a peer's messages were lost. */
  protected reportUnreachable(id: NodeId): void {
    this.defer(() => this.handlers.onUnreachable(id));
  }

  /** Called by subclasses when the connection to a peer broke. */
  protected reportDown(id: NodeId): void {
    this.defer(() => this.handlers.onPeerDown?.(id));
  }

  /** Called by subclasses when a peer refused us as a removed member. */
  protected reportRemoved(by: NodeId): void {
    this.defer(() => this.handlers.onRemovedFromCluster?.(by));
  }

  /** Runs a handler after the current task, and never after close(). */
  protected defer(fn: () => void): void {
    queueMicrotask(() => {
      if (this.closed) return;
      try {
        fn();
      } catch (err) {
        this.logger.warn({ err }, 'transport: a handler threw');
      }
    });
  }
}
