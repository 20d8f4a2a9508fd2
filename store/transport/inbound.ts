// The receiving edge, shared by both transports: everything that arrives
// from a peer passes here before a handler sees it.
//
// Order of checks, cheapest first: the transport is open; the batch's
// cluster id is ours (a member of another cluster pointed at us by mistake —
// etcd answers such a peer "cluster ID mismatch"); the sender was not removed
// (etcd answers a removed member 410 Gone, so it can stop itself); the sender
// is a member we know; then each message on its own (wire-codec.ts).

import type { Message, NodeId } from '../raft/types.js';
import { MessageType } from '../raft/types.js';
import { messageFromWire, memberToWire } from './proto-codec.js';
import type { WireBatch, WireMembersResponse, WireSnapshotHeader } from './peer-proto.js';
import type { TransportHandlers, TransportLogger, TransportStats } from './transport.js';
import { decodePayload } from './wire-codec.js';
import { parseId, WireError } from './wire-numbers.js';

export type RefusalCode = 'closed' | 'wrong-cluster' | 'removed' | 'unknown-sender' | 'invalid';

export interface Refusal {
  readonly refused: RefusalCode;
  readonly message: string;
}

/** What the receiving edge needs to know about the peer table. */
export interface PeerDirectory {
  isKnown(id: NodeId): boolean;
  isRemoved(id: NodeId): boolean;
}

export interface PeerInboundOptions {
  id: NodeId;
  clusterId: bigint;
  handlers: TransportHandlers;
  directory: PeerDirectory;
  stats: TransportStats;
  logger: TransportLogger;
}

export class PeerInbound {
  private closed = false;

  constructor(private readonly o: PeerInboundOptions) {}

  close(): void {
    this.closed = true;
  }

  /** Delivers a batch to onMessages, or says why it was refused (and counts it). */
  receiveBatch(b: WireBatch): Refusal | undefined {
    const sender = this.checkSender(b.clusterId, b.from);
    if (typeof sender !== 'bigint') return sender;
    const { stats } = this.o;
    stats.receivedBatches++;
    const { messages, invalid } = decodePayload(b.payload, sender, this.o.id);
    if (invalid > 0) {
      stats.refusedInvalid += invalid;
      this.o.logger.warn({ from: sender, invalid }, 'transport: refused malformed messages');
    }
    if (messages.length === 0) return undefined;
    stats.receivedMessages += messages.length;
    try {
      this.o.handlers.onMessages(messages);
    } catch (err) {
      stats.handlerErrors++;
      this.o.logger.warn({ from: sender, err }, 'transport: onMessages threw; messages lost');
    }
    return undefined;
  }

  /** Checks a snapshot's header; returns the MsgSnap it announces, or a refusal. */
  openSnapshot(h: WireSnapshotHeader | null | undefined): Message | Refusal {
    if (!h) return this.refuse('invalid', 'the first snapshot chunk carries no header');
    const sender = this.checkSender(h.clusterId, h.from);
    if (typeof sender !== 'bigint') return sender;
    if (!h.message) return this.refuse('invalid', 'snapshot header without a message');
    let msg: Message;
    try {
      msg = messageFromWire(h.message);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      return this.refuse('invalid', `snapshot message: ${err.message}`);
    }
    if (msg.type !== MessageType.Snap || !msg.snapshot) {
      return this.refuse('invalid', 'snapshot header message is not a MsgSnap with a snapshot');
    }
    if (msg.from !== sender || msg.to !== this.o.id) {
      return this.refuse(
        'invalid',
        `snapshot from ${msg.from} to ${msg.to} on a stream from ${sender}`,
      );
    }
    return msg;
  }

  /** Hands a verified snapshot over; resolves to the error text if the handler refused it. */
  async deliverSnapshot(msg: Message, chunks: readonly Uint8Array[]): Promise<string | undefined> {
    if (this.closed) return this.countRefusedSnapshot('transport closed');
    try {
      await this.o.handlers.onSnapshot(msg, chunks);
    } catch (err) {
      return this.countRefusedSnapshot(`snapshot not accepted: ${String(err)}`);
    }
    this.o.stats.snapshotsReceived++;
    return undefined;
  }

  /** A snapshot that arrived damaged or too large. */
  countRefusedSnapshot(reason: string): string {
    this.o.stats.snapshotsRefused++;
    this.o.logger.warn({ reason }, 'transport: snapshot refused');
    return reason;
  }

  /** The Members RPC's answer, or undefined when this replica does not serve it. */
  members(): WireMembersResponse | undefined {
    const list = this.o.handlers.members?.();
    if (list === undefined) return undefined;
    return { clusterId: this.o.clusterId.toString(), members: list.map(memberToWire) };
  }

  private checkSender(clusterId: unknown, from: unknown): bigint | Refusal {
    if (this.closed) return { refused: 'closed', message: 'transport closed' };
    let cid: bigint;
    let sender: bigint;
    try {
      cid = parseId(clusterId, 'cluster id');
      sender = parseId(from, 'from');
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      return this.refuse('invalid', err.message);
    }
    if (cid !== this.o.clusterId) {
      return this.refuse(
        'wrong-cluster',
        `cluster id mismatch: ours ${this.o.clusterId}, sender's ${cid}`,
      );
    }
    const dir = this.o.directory;
    if (dir.isRemoved(sender))
      return this.refuse('removed', `member ${sender} was removed from the cluster`);
    if (!dir.isKnown(sender))
      return this.refuse('unknown-sender', `member ${sender} is not known here`);
    return sender;
  }

  private refuse(code: RefusalCode, message: string): Refusal {
    const s = this.o.stats;
    if (code === 'wrong-cluster') s.refusedWrongCluster++;
    else if (code === 'removed') s.refusedRemovedSender++;
    else if (code === 'unknown-sender') s.refusedUnknownSender++;
    else if (code === 'invalid') s.refusedInvalid++;
    this.o.logger.debug({ code, message }, 'transport: refused');
    return { refused: code, message };
  }
}
