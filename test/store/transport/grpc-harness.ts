// The conformance harness over real gRPC on 127.0.0.1, port 0: each node is
// a GrpcTransport plus the grpc.Server its Peer service is registered on;
// "stop" shuts that server down, "restart" binds a new one on the same port.

import * as grpc from '@grpc/grpc-js';

import type { NodeId } from '../../../store/raft/types.js';
import { GrpcTransport } from '../../../store/transport/grpc-transport.js';
import type { TransportLimits } from '../../../store/transport/limits.js';
import {
  streamMethod,
  type WireBatch,
  type WireStreamAck,
} from '../../../store/transport/peer-proto.js';
import {
  createPeerServer,
  fetchMembers,
  registerPeerService,
} from '../../../store/transport/peer-service.js';
import {
  recorder,
  testClusterId,
  type Harness,
  type NodeOptions,
  type TestNode,
} from './harness.js';

/** Fast reconnection, so tests wait milliseconds rather than seconds. */
export const grpcTestLimits: Partial<TransportLimits> = {
  peerBackoffMinMs: 10,
  peerBackoffMaxMs: 100,
};

interface Live {
  node: TestNode;
  transport: GrpcTransport;
  port: number;
  server: grpc.Server | undefined;
}

export function grpcHarness(): Harness {
  const live = new Map<NodeId, Live>();
  const get = (n: TestNode): Live => {
    const l = live.get(n.id);
    if (!l) throw new Error(`no node ${n.id}`);
    return l;
  };

  return {
    name: 'GrpcTransport',
    async node(id: NodeId, o: NodeOptions = {}): Promise<TestNode> {
      const limits = { ...grpcTestLimits, ...o.limits };
      const { server, port } = await createPeerServer('127.0.0.1:0', limits);
      const { rec, handlers } = recorder();
      if (o.members) handlers.members = o.members;
      const transport = new GrpcTransport({
        id,
        clusterId: o.clusterId ?? testClusterId,
        handlers,
        limits,
        ...(o.testing ? { testing: o.testing } : {}),
      });
      registerPeerService(server, transport);
      const node: TestNode = { id, url: `http://127.0.0.1:${port}`, transport, rec };
      live.set(id, { node, transport, port, server });
      return node;
    },
    stop(n: TestNode): Promise<void> {
      const l = get(n);
      l.server?.forceShutdown();
      l.server = undefined;
      return Promise.resolve();
    },
    async restart(n: TestNode): Promise<void> {
      const l = get(n);
      const { server } = await createPeerServer(`127.0.0.1:${l.port}`, grpcTestLimits);
      registerPeerService(server, l.transport);
      l.server = server;
    },
    async inject(to: TestNode, batch: WireBatch): Promise<void> {
      const client = new grpc.Client(
        `127.0.0.1:${get(to).port}`,
        grpc.credentials.createInsecure(),
      );
      try {
        await new Promise<void>((resolve) => {
          const call = client.makeClientStreamRequest<WireBatch, WireStreamAck>(
            streamMethod.path,
            streamMethod.requestSerialize,
            streamMethod.responseDeserialize,
            () => resolve(), // refused or not, the call is over
          );
          call.write(batch);
          call.end();
        });
      } finally {
        client.close();
      }
    },
    fetchMembers(n: TestNode) {
      return fetchMembers(n.url, 2000);
    },
    async close(): Promise<void> {
      for (const l of live.values()) {
        await l.transport.close();
        l.server?.forceShutdown();
      }
      live.clear();
    },
  };
}
