// The production transport: raft messages to each peer over one long-lived
// gRPC client stream (grpc-peer.ts), snapshots over their own call
// (grpc-snapshot.ts). Receiving is the Peer service, which the replica
// registers on its own grpc.Server with registerPeerService(server, transport)
// (peer-service.ts). The rules shared with the in-memory twin are in
// transport-base.ts.
//
// Wiring, as the replica does it:
//   const { server, port } = await createPeerServer('127.0.0.1:2380');
//   const transport = new GrpcTransport({ id, clusterId, handlers });
//   registerPeerService(server, transport);
//   for (const m of peers) transport.addPeer(m.id, m.peerUrls);
//   ... transport.send(rd.messages) in the ready loop ...
//   await transport.close(); server.forceShutdown();

import type { Message, NodeId } from '../raft/types.js';
import { GrpcPeer } from './grpc-peer.js';
import { sendSnapshotOverGrpc } from './grpc-snapshot.js';
import type { TransportLimits } from './limits.js';
import type { PeerReceiver } from './peer-service.js';
import { TransportBase } from './transport-base.js';
import type { TransportOptions } from './transport.js';

export class GrpcTransport extends TransportBase<GrpcPeer> implements PeerReceiver {
  constructor(o: TransportOptions) {
    super(o);
  }

  receiverLimits(): TransportLimits {
    return this.limits;
  }

  protected createPeer(id: NodeId, urls: readonly string[]): GrpcPeer {
    return new GrpcPeer(id, urls, {
      selfId: this.id,
      clusterId: this.clusterId,
      limits: this.limits,
      counters: this.counters,
      logger: this.logger,
      random: this.random,
      reportUnreachable: (peer) => this.reportUnreachable(peer),
      reportRemoved: (by) => this.reportRemoved(by),
      reportDown: (id) => this.reportDown(id),
    });
  }

  protected transferSnapshot(
    peer: GrpcPeer,
    msg: Message,
    data: () => AsyncIterable<Uint8Array>,
  ): Promise<boolean> {
    return sendSnapshotOverGrpc({
      client: peer.currentClient(),
      clusterId: this.clusterId,
      msg,
      data,
      chunkBytes: this.limits.snapshotChunkBytes,
      testing: this.testing,
      logger: this.logger,
      isClosed: () => this.closed,
    });
  }

  protected shutdown(): Promise<void> {
    // Peers were closed by close(): their calls are cancelled and channels closed.
    return Promise.resolve();
  }
}
