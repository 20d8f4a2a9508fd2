// The in-memory twin of GrpcTransport: a MemoryNetwork hub connects any
// number of transports in one process, so a server test can run a whole
// cluster without sockets. It shares every rule with the gRPC transport
// (transport-base.ts: encoding, bounds, drops, reports; inbound.ts: what a
// receiver refuses) and replaces only the movement of bytes: a batch is
// built exactly as for the wire and handed to the receiver on a later
// setImmediate, never synchronously.
//
// Faults, named after what they model:
//   setDown(id)     the member's process is gone: like a gRPC stream that
//                   failed, messages to it are dropped and reported unreachable.
//   stall(id)       the member stops reading: messages to it wait in the
//                   senders' bounded queues, then are dropped and reported.
//   partition(...)  the network between groups loses everything, silently
//                   (TCP would not tell the sender at once either).

import type { Message, NodeId } from '../raft/types.js';
import type { WireBatch } from './peer-proto.js';
import { memberFromWire, messageToWire } from './proto-codec.js';
import { PeerQueue } from './peer-queue.js';
import { cutSnapshotChunks, SnapshotAssembler, type SnapshotDigest } from './snapshot-chunks.js';
import type { TransportLimits } from './limits.js';
import type { MemberInfo, TransportOptions } from './transport.js';
import { TransportBase, type OutboundPeer } from './transport-base.js';
import { joinEncoded } from './wire-codec.js';
import { parseId } from './wire-numbers.js';

export class MemoryNetwork {
  private readonly endpoints = new Map<string, MemoryTransport>();
  private readonly down = new Set<NodeId>();
  private readonly stalled = new Set<NodeId>();
  private groupOf = new Map<NodeId, number>();

  /** A transport reachable at `urls` (default `memory://<id>`). */
  createTransport(o: TransportOptions & { urls?: readonly string[] }): MemoryTransport {
    const urls = o.urls ?? [`memory://${o.id}`];
    for (const u of urls) {
      if (this.endpoints.has(u)) throw new RangeError(`memory network: ${u} is taken`);
    }
    const t = new MemoryTransport(o, this, urls);
    for (const u of urls) this.endpoints.set(u, t);
    return t;
  }

  setDown(id: NodeId, down: boolean): void {
    if (down) this.down.add(id);
    else this.down.delete(id);
  }

  stall(id: NodeId, stalled: boolean): void {
    if (stalled) this.stalled.add(id);
    else {
      this.stalled.delete(id);
      for (const t of new Set(this.endpoints.values())) t.flushAll();
    }
  }

  /** Members in different groups cannot talk; members in no group talk to everyone. */
  partition(...groups: NodeId[][]): void {
    this.groupOf = new Map();
    groups.forEach((g, i) => g.forEach((id) => this.groupOf.set(id, i)));
  }

  heal(): void {
    this.groupOf = new Map();
  }

  /** The Members RPC against the transport at `url`. */
  async fetchMembers(url: string): Promise<{ clusterId: bigint; members: MemberInfo[] }> {
    await new Promise((resolve) => setImmediate(resolve));
    const t = this.endpoints.get(url);
    if (!t || this.down.has(t.id)) throw new Error(`memory network: nothing answers at ${url}`);
    const res = t.inbound.members();
    if (!res) throw new Error(`memory network: ${url} does not serve Members`);
    return {
      clusterId: parseId(res.clusterId, 'cluster id'),
      members: res.members.map(memberFromWire),
    };
  }

  /** The live transport at the first of `urls` that has one, if it is up. */
  resolve(urls: readonly string[]): MemoryTransport | undefined {
    for (const u of urls) {
      const t = this.endpoints.get(u);
      if (t) return this.down.has(t.id) ? undefined : t;
    }
    return undefined;
  }

  isStalled(id: NodeId): boolean {
    return this.stalled.has(id);
  }

  isPartitioned(a: NodeId, b: NodeId): boolean {
    const ga = this.groupOf.get(a);
    const gb = this.groupOf.get(b);
    return ga !== undefined && gb !== undefined && ga !== gb;
  }

  unregister(t: MemoryTransport): void {
    for (const [u, e] of this.endpoints) if (e === t) this.endpoints.delete(u);
  }
}

class MemoryPeer implements OutboundPeer {
  readonly queue: PeerQueue;
  private flushing: NodeJS.Immediate | undefined;

  constructor(
    readonly id: NodeId,
    private urls: readonly string[],
    private readonly owner: MemoryTransport,
  ) {
    const l = owner.transportLimits();
    this.queue = new PeerQueue(l.maxPeerQueueMessages, l.maxPeerQueueBytes);
  }

  target(): MemoryTransport | undefined {
    return this.owner.network.resolve(this.urls);
  }

  isDown(): boolean {
    return this.target() === undefined;
  }

  /** Up since it was last seen down: the memory network connects at once. */
  private upSinceMs: number | undefined;

  activeSinceMs(): number | undefined {
    if (this.isDown()) {
      this.upSinceMs = undefined;
      return undefined;
    }
    this.upSinceMs ??= Date.now();
    return this.upSinceMs;
  }

  scheduleFlush(): void {
    this.flushing ??= setImmediate(() => {
      this.flushing = undefined;
      this.owner.flushPeer(this);
    });
  }

  setUrls(urls: readonly string[]): void {
    this.urls = urls;
  }

  close(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    this.queue.clear();
  }
}

export class MemoryTransport extends TransportBase<MemoryPeer> {
  constructor(
    o: TransportOptions,
    readonly network: MemoryNetwork,
    readonly urls: readonly string[],
  ) {
    super(o);
  }

  transportLimits(): Readonly<TransportLimits> {
    return this.limits;
  }

  protected createPeer(id: NodeId, urls: readonly string[]): MemoryPeer {
    return new MemoryPeer(id, urls, this);
  }

  /** Delivers what is queued for `peer`, unless it is stalled (then it waits in the bounded queue). */
  flushPeer(peer: MemoryPeer): void {
    if (this.closed || peer.queue.length === 0) return;
    const target = peer.target();
    if (!target) {
      this.counters.droppedPeerDown += peer.queue.clear();
      this.reportUnreachable(peer.id);
      return;
    }
    if (this.network.isStalled(target.id)) return;
    const lost = this.network.isPartitioned(this.id, target.id);
    while (peer.queue.length > 0) {
      const { encoded, bytes } = peer.queue.take(this.limits.maxBatchBytes);
      this.counters.sentBatches++;
      this.counters.sentMessages += encoded.length;
      if (lost) continue;
      const batch: WireBatch = {
        clusterId: this.clusterId.toString(),
        from: this.id.toString(),
        payload: joinEncoded(encoded, bytes),
      };
      // A refusal ends a gRPC stream with an error, and what was queued behind it is lost: same here.
      if (target.inbound.receiveBatch(batch)) {
        this.counters.droppedPeerDown += peer.queue.clear();
        this.reportUnreachable(peer.id);
        return;
      }
    }
  }

  flushAll(): void {
    for (const p of this.peers.values()) p.scheduleFlush();
  }

  protected async transferSnapshot(
    peer: MemoryPeer,
    msg: Message,
    data: () => AsyncIterable<Uint8Array>,
  ): Promise<boolean> {
    const target = peer.target();
    if (!target || this.network.isPartitioned(this.id, target.id)) return false;
    const header = {
      clusterId: this.clusterId.toString(),
      from: this.id.toString(),
      message: messageToWire(msg),
    };
    const opened = target.inbound.openSnapshot(header);
    if ('refused' in opened) return false;
    const assembler = new SnapshotAssembler(target.limits.maxSnapshotBytes);
    const digest: SnapshotDigest = { crc32: 0, totalBytes: 0 };
    let seq = 0;
    for await (const chunk of cutSnapshotChunks(data(), this.limits.snapshotChunkBytes, digest)) {
      if (this.closed || peer.isDown()) return false;
      const sent = this.testing.tamperSnapshotChunk?.(chunk, seq) ?? chunk;
      seq++;
      // Copied, as the wire would: the receiver must not share the sender's buffers.
      const refused = assembler.add(Uint8Array.prototype.slice.call(sent));
      if (refused) {
        target.inbound.countRefusedSnapshot(refused);
        return false;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const mismatch = assembler.verify(digest);
    if (mismatch) {
      target.inbound.countRefusedSnapshot(mismatch);
      return false;
    }
    return (await target.inbound.deliverSnapshot(opened, assembler.chunks)) === undefined;
  }

  protected shutdown(): Promise<void> {
    this.network.unregister(this);
    return Promise.resolve();
  }
}
