// Every limit of the peer transport, with its unit in its name. To be merged
// into store/limits.ts; until then the transport takes them from here, and
// tests pass smaller ones through the transports' `limits` option.

import { limits } from '../limits.js';

const KiB = 1024;
const MiB = 1024 * KiB;

export interface TransportLimits {
  /** Messages waiting for one peer; past this they are dropped and the peer reported unreachable (etcd's streamBufSize). */
  maxPeerQueueMessages: number;
  /** Encoded bytes waiting for one peer; the same treatment past it. */
  maxPeerQueueBytes: number;
  /** A batch is cut once it holds this many encoded bytes (it always holds at least one message). */
  maxBatchBytes: number;
  /** The largest gRPC message a peer sends or accepts: a full batch plus one oversized message, or one snapshot chunk. */
  peerMaxMessageBytes: number;
  /** First delay before reconnecting a failed peer stream. */
  peerBackoffMinMs: number;
  /** The delay doubles per failure up to this: about one election timeout, so a member that comes back is heard from soon. */
  peerBackoffMaxMs: number;
  /** Each delay is randomised by ± this fraction, so members do not reconnect in lockstep. */
  peerBackoffJitterFraction: number;
  /** An idle connection is pinged after this long, so a dead peer is noticed... */
  peerKeepaliveTimeMs: number;
  /** ...when the ping is not answered within this. */
  peerKeepaliveTimeoutMs: number;
  /** Size of one snapshot chunk on the wire. */
  snapshotChunkBytes: number;
  /** The largest snapshot a receiver buffers (it is held in memory until verified). */
  maxSnapshotBytes: number;
  /** Deadline of a Members request from a joining member. */
  membersRequestTimeoutMs: number;
}

export const transportLimits: Readonly<TransportLimits> = Object.freeze({
  maxPeerQueueMessages: 4096,
  maxPeerQueueBytes: 64 * MiB,
  maxBatchBytes: 2 * MiB,
  peerMaxMessageBytes: 8 * MiB,
  peerBackoffMinMs: 50,
  peerBackoffMaxMs: 1000,
  peerBackoffJitterFraction: 0.2,
  peerKeepaliveTimeMs: 5000,
  peerKeepaliveTimeoutMs: 5000,
  snapshotChunkBytes: limits.snapshotChunkBytes,
  // Twice the backend quota: the exported state of a full backend, with room for its framing.
  maxSnapshotBytes: 2 * limits.quotaBackendBytes,
  membersRequestTimeoutMs: 5000,
});

/** Throws if the limits contradict each other; both transports call it at construction. */
export function validateTransportLimits(l: TransportLimits): void {
  const positive: (keyof TransportLimits)[] = [
    'maxPeerQueueMessages',
    'maxPeerQueueBytes',
    'maxBatchBytes',
    'peerMaxMessageBytes',
    'peerBackoffMinMs',
    'peerBackoffMaxMs',
    'peerKeepaliveTimeMs',
    'peerKeepaliveTimeoutMs',
    'snapshotChunkBytes',
    'maxSnapshotBytes',
    'membersRequestTimeoutMs',
  ];
  for (const k of positive) {
    if (!Number.isSafeInteger(l[k]) || l[k] <= 0) {
      throw new RangeError(`transport limits: ${k} must be a positive integer, got ${l[k]}`);
    }
  }
  if (l.peerBackoffMaxMs < l.peerBackoffMinMs) {
    throw new RangeError('transport limits: peerBackoffMaxMs must be at least peerBackoffMinMs');
  }
  if (!(l.peerBackoffJitterFraction >= 0 && l.peerBackoffJitterFraction < 1)) {
    throw new RangeError('transport limits: peerBackoffJitterFraction must be in [0, 1)');
  }
  if (l.maxPeerQueueBytes < l.maxBatchBytes) {
    throw new RangeError('transport limits: a peer queue must hold at least one full batch');
  }
  // A batch may exceed maxBatchBytes by one message, whose entries may hold one full request.
  if (l.peerMaxMessageBytes < l.maxBatchBytes + limits.maxRequestBytes + limits.grpcOverheadBytes) {
    throw new RangeError('transport limits: peerMaxMessageBytes cannot carry a full batch');
  }
  if (l.peerMaxMessageBytes < l.snapshotChunkBytes + limits.grpcOverheadBytes) {
    throw new RangeError('transport limits: peerMaxMessageBytes cannot carry a snapshot chunk');
  }
}

validateTransportLimits(transportLimits);

/** The defaults with some fields replaced, validated. */
export function withLimits(overrides: Partial<TransportLimits> | undefined): TransportLimits {
  const l = { ...transportLimits, ...overrides };
  validateTransportLimits(l);
  return l;
}
