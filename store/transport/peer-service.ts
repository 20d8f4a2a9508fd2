// The receiving side over gRPC: the Peer service on a grpc.Server that the
// replica owns (it listens on --listen-peer-urls and may serve other things),
// a helper that creates and binds such a server, and the Members client a
// joining member uses.

import * as grpc from '@grpc/grpc-js';
import type { Message } from '../raft/types.js';
import { peerChannelOptions, peerServerOptions, peerUrlToTarget } from './grpc-config.js';
import type { PeerInbound, Refusal } from './inbound.js';
import { transportLimits, withLimits, type TransportLimits } from './limits.js';
import {
  membersMethod,
  peerService,
  type WireBatch,
  type WireMembersResponse,
  type WireSnapshotAck,
  type WireSnapshotChunk,
  type WireStreamAck,
} from './peer-proto.js';
import { memberFromWire } from './proto-codec.js';
import { SnapshotAssembler } from './snapshot-chunks.js';
import type { MemberInfo } from './transport.js';
import { parseId, parseIndex, WireError } from './wire-numbers.js';

/** What the service needs from a transport (GrpcTransport has both). */
export interface PeerReceiver {
  readonly inbound: PeerInbound;
  receiverLimits(): TransportLimits;
}

const refusalStatus: Record<Refusal['refused'], grpc.status> = {
  closed: grpc.status.UNAVAILABLE,
  'wrong-cluster': grpc.status.FAILED_PRECONDITION,
  removed: grpc.status.FAILED_PRECONDITION,
  // Perhaps a member whose addition we have not applied yet: worth retrying.
  'unknown-sender': grpc.status.UNAVAILABLE,
  invalid: grpc.status.INVALID_ARGUMENT,
};

function refusalError(r: Refusal): Partial<grpc.StatusObject> {
  return { code: refusalStatus[r.refused], details: `capstan: ${r.message}` };
}

/**
 * Adds the Peer service to `server`. The receiving checks (cluster id,
 * removed or unknown sender) need the transport's peer table, so the
 * service is registered for a transport rather than for bare handlers.
 */
export function registerPeerService(server: grpc.Server, receiver: PeerReceiver): void {
  const impl: grpc.UntypedServiceImplementation = {
    Stream: (
      call: grpc.ServerReadableStream<WireBatch, WireStreamAck>,
      cb: grpc.sendUnaryData<WireStreamAck>,
    ) => serveStream(receiver.inbound, call, cb),
    SendSnapshot: (
      call: grpc.ServerReadableStream<WireSnapshotChunk, WireSnapshotAck>,
      cb: grpc.sendUnaryData<WireSnapshotAck>,
    ) => serveSnapshot(receiver, call, cb),
    Members: (
      _call: grpc.ServerUnaryCall<unknown, WireMembersResponse>,
      cb: grpc.sendUnaryData<WireMembersResponse>,
    ) => {
      const res = receiver.inbound.members();
      if (res) cb(null, res);
      else
        cb({
          code: grpc.status.UNIMPLEMENTED,
          details: 'capstan: this member does not serve Members',
        });
    },
  };
  server.addService(peerService, impl);
}

function serveStream(
  inbound: PeerInbound,
  call: grpc.ServerReadableStream<WireBatch, WireStreamAck>,
  cb: grpc.sendUnaryData<WireStreamAck>,
): void {
  let batches = 0;
  let done = false;
  // Headers now, so the sender knows the stream is accepted (it resets its backoff on them).
  call.sendMetadata(new grpc.Metadata());
  call.on('data', (b: WireBatch) => {
    if (done) return;
    batches++;
    const refusal = inbound.receiveBatch(b);
    if (!refusal) return;
    done = true;
    cb(refusalError(refusal));
  });
  call.on('end', () => {
    if (done) return;
    done = true;
    cb(null, { batches: String(batches) });
  });
  // The sender cancelled or the connection died: nothing to answer.
  call.on('error', () => (done = true));
}

/** Incoming chunks have every field (proto-loader `defaults: true`). */
type ChunkIn = Required<WireSnapshotChunk>;

function serveSnapshot(
  receiver: PeerReceiver,
  call: grpc.ServerReadableStream<WireSnapshotChunk, WireSnapshotAck>,
  cb: grpc.sendUnaryData<WireSnapshotAck>,
): void {
  const inbound = receiver.inbound;
  let msg: Message | undefined;
  let assembler: SnapshotAssembler | undefined;
  let finished = false;
  let lastSeen = false;
  const finish = (err: Partial<grpc.StatusObject> | null, ack?: WireSnapshotAck): void => {
    if (finished) return;
    finished = true;
    cb(err, ack);
  };
  const refuse = (reason: string): void => {
    finish(null, { ok: false, error: inbound.countRefusedSnapshot(reason) });
  };
  call.on('data', (chunk: ChunkIn) => {
    if (finished || lastSeen) return;
    if (!msg || !assembler) {
      const opened = inbound.openSnapshot(chunk.header);
      if ('refused' in opened) return finish(refusalError(opened));
      msg = opened;
      assembler = new SnapshotAssembler(receiver.receiverLimits().maxSnapshotBytes);
    }
    const tooLarge = assembler.add(chunk.data);
    if (tooLarge) return refuse(tooLarge);
    if (!chunk.last) return;
    lastSeen = true;
    let totalBytes: number;
    try {
      totalBytes = parseIndex(chunk.totalBytes, 'snapshot total bytes');
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      return refuse(err.message);
    }
    const mismatch = assembler.verify({ crc32: chunk.crc32, totalBytes });
    if (mismatch) return refuse(mismatch);
    void inbound
      .deliverSnapshot(msg, assembler.chunks)
      .then((error) => finish(null, { ok: !error, error: error ?? '' }));
  });
  call.on('end', () => {
    if (!lastSeen) refuse('snapshot stream ended before its last chunk');
  });
  call.on('error', () => (finished = true));
}

/** A grpc.Server bound to `host:port` (port 0 picks one), with the peer options. */
export async function createPeerServer(
  hostPort: string,
  limits: Partial<TransportLimits> = {},
): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server(peerServerOptions(withLimits(limits)));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(hostPort, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { server, port };
}

/** Asks the member at `peerUrl` who is in its cluster (for a member that is joining). */
export async function fetchMembers(
  peerUrl: string,
  timeoutMs: number = transportLimits.membersRequestTimeoutMs,
): Promise<{ clusterId: bigint; members: MemberInfo[] }> {
  const client = new grpc.Client(
    peerUrlToTarget(peerUrl),
    grpc.credentials.createInsecure(),
    peerChannelOptions(transportLimits),
  );
  try {
    const res = await new Promise<WireMembersResponse>((resolve, reject) =>
      client.makeUnaryRequest(
        membersMethod.path,
        membersMethod.requestSerialize,
        membersMethod.responseDeserialize,
        {},
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, value) =>
          err || !value ? reject(err ?? new Error('empty Members response')) : resolve(value),
      ),
    );
    return {
      clusterId: parseId(res.clusterId, 'cluster id'),
      members: res.members.map(memberFromWire),
    };
  } finally {
    client.close();
  }
}
