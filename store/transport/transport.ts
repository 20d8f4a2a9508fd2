// The peer transport as the replica sees it. Two implementations satisfy it
// and pass one conformance suite (test/store/transport): GrpcTransport for
// real members, MemoryTransport for whole clusters in one test process.
//
// Semantics both keep:
// - send() never blocks and never waits for a peer. Each peer has a bounded
//   queue; what does not fit is dropped and the peer reported unreachable.
//   Raft tolerates lost messages (§5.3: the leader retries), it does not
//   tolerate a ready loop stuck behind one slow follower.
// - Messages to one peer arrive in the order they were sent, or not at all.
// - Handlers are never called from inside a Transport method: a report is
//   made after the call returns (a microtask at the earliest), so the driver
//   is never re-entered in the middle of handing over a Ready.
// - Nothing reaches a handler after close().

import type { Message, NodeId } from '../raft/types.js';
import type { TransportLimits } from './limits.js';

/** One member as the Members RPC describes it to a joining member. */
export interface MemberInfo {
  readonly id: NodeId;
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
  readonly isLearner: boolean;
}

/** What a transport does with what arrives. The replica's driver implements it. */
export interface TransportHandlers {
  /**
   * Raft messages from one peer, in order, to be stepped. Already checked:
   * the batch came from this cluster, from a known member that was not
   * removed, addressed to this member, and every term and index is a
   * non-negative safe integer. An exception is counted and the messages lost.
   */
  onMessages(msgs: Message[]): void;
  /**
   * A MsgSnap and the state that goes with it, complete and checksummed.
   * `chunks` are the state's bytes in order (not concatenated: a snapshot may
   * be larger than one buffer should be). Resolve once accepted; a rejection
   * tells the sender the snapshot failed.
   */
  onSnapshot(msg: Message, chunks: readonly Uint8Array[]): Promise<void>;
  /** A peer could not be reached and messages to it were lost (→ RawNode.reportUnreachable). */
  onUnreachable(id: NodeId): void;
  /**
   * The connection to a peer broke (its stream ended with an error): the
   * process may have died. Raft may use it to fail over faster.
   */
  onPeerDown?(id: NodeId): void;
  /** A snapshot sent with sendSnapshot arrived (ok) or did not (→ RawNode.reportSnapshot). */
  onSnapshotStatus(id: NodeId, ok: boolean): void;
  /** Answers the Members RPC; without it the RPC answers UNIMPLEMENTED. */
  members?(): MemberInfo[];
  /**
   * A peer refused us because we were removed from the cluster (etcd's
   * peers answer 410 Gone): the member should stop, as etcd's does.
   */
  onRemovedFromCluster?(by: NodeId): void;
}

export interface Transport {
  /** This member's id; every message sent must be from it. */
  readonly id: NodeId;
  /** Starts talking to a member. Ids are never reused, so adding a removed id is a bug. */
  addPeer(id: NodeId, urls: readonly string[]): void;
  /** The member moved: reconnect to its new urls. */
  updatePeer(id: NodeId, urls: readonly string[]): void;
  /** Stops talking to a member and refuses anything it sends from now on. */
  removePeer(id: NodeId): void;
  /**
   * Queues messages for their peers. Throws RangeError, queueing none of
   * them, if a message holds a number that is not a non-negative safe
   * integer (the core never makes one: it is a bug, not a network fault).
   * MsgSnap must go through sendSnapshot.
   */
  send(msgs: readonly Message[]): void;
  /**
   * Sends a MsgSnap and the state `data()` yields (any chunk sizes; re-cut to
   * limits.snapshotChunkBytes). One snapshot per peer at a time; the outcome
   * is reported through onSnapshotStatus.
   */
  sendSnapshot(msg: Message, data: () => AsyncIterable<Uint8Array>): void;
  /** Counters since construction. */
  stats(): TransportStats;
  /**
   * Date.now() when the connection to peer `id` last opened, undefined while
   * it is down or unknown (etcd's transport.ActiveSince, for the health
   * checks of membership changes).
   */
  activeSinceMs(id: NodeId): number | undefined;
  /** Stops every stream and timer; resolves when nothing is left running. */
  close(): Promise<void>;
}

export interface TransportStats {
  sentBatches: number;
  sentMessages: number;
  /** Dropped because the peer's queue was full. */
  droppedQueueFull: number;
  /** Dropped because the peer was known to be down (its stream failed, in backoff). */
  droppedPeerDown: number;
  /** Dropped because the destination was never added. */
  droppedUnknownPeer: number;
  /** Dropped because one message alone exceeded what a peer accepts. */
  droppedTooLarge: number;
  receivedBatches: number;
  receivedMessages: number;
  /** Batches or snapshots refused: sent by a member of another cluster. */
  refusedWrongCluster: number;
  /** ...sent by a member this one was told is removed. */
  refusedRemovedSender: number;
  /** ...sent by a member this one does not know (yet). */
  refusedUnknownSender: number;
  /** Messages refused as malformed: bad numbers, local types, wrong recipient. */
  refusedInvalid: number;
  /** Messages the onMessages handler threw on. */
  handlerErrors: number;
  snapshotsSent: number;
  snapshotsFailed: number;
  snapshotsReceived: number;
  snapshotsRefused: number;
}

export function emptyStats(): TransportStats {
  return {
    sentBatches: 0,
    sentMessages: 0,
    droppedQueueFull: 0,
    droppedPeerDown: 0,
    droppedUnknownPeer: 0,
    droppedTooLarge: 0,
    receivedBatches: 0,
    receivedMessages: 0,
    refusedWrongCluster: 0,
    refusedRemovedSender: 0,
    refusedUnknownSender: 0,
    refusedInvalid: 0,
    handlerErrors: 0,
    snapshotsSent: 0,
    snapshotsFailed: 0,
    snapshotsReceived: 0,
    snapshotsRefused: 0,
  };
}

/** Where the transport reports what went wrong; the replica plugs pino in here. */
export interface TransportLogger {
  debug(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

export const silentTransportLogger: TransportLogger = { debug() {}, warn() {} };

/** Construction options both transports take. */
export interface TransportOptions {
  id: NodeId;
  clusterId: bigint;
  handlers: TransportHandlers;
  limits?: Partial<TransportLimits>;
  logger?: TransportLogger;
  /** Source of backoff jitter, in [0, 1). */
  random?: () => number;
  /** Misbehaviour on purpose, for tests only. */
  testing?: TransportTestHooks;
}

export interface TransportTestHooks {
  /** Rewrites a snapshot chunk after its checksum was taken (seq counts from 0). */
  tamperSnapshotChunk?(chunk: Uint8Array, seq: number): Uint8Array;
}
