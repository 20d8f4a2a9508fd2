// The conformance harness over a MemoryNetwork: "stop" and "restart" mark a
// member down and up; injection hands a raw batch to the receiving edge on a
// later task, as the network would.

import type { NodeId } from '../../../store/raft/types.js';
import { MemoryNetwork, type MemoryTransport } from '../../../store/transport/memory-transport.js';
import type { WireBatch } from '../../../store/transport/peer-proto.js';
import {
  recorder,
  testClusterId,
  type Harness,
  type NodeOptions,
  type TestNode,
} from './harness.js';

export function memoryHarness(network = new MemoryNetwork()): Harness {
  const live = new Map<NodeId, MemoryTransport>();
  const get = (n: TestNode): MemoryTransport => {
    const t = live.get(n.id);
    if (!t) throw new Error(`no node ${n.id}`);
    return t;
  };

  return {
    name: 'MemoryTransport',
    node(id: NodeId, o: NodeOptions = {}): Promise<TestNode> {
      const { rec, handlers } = recorder();
      if (o.members) handlers.members = o.members;
      const transport = network.createTransport({
        id,
        clusterId: o.clusterId ?? testClusterId,
        handlers,
        ...(o.limits ? { limits: o.limits } : {}),
        ...(o.testing ? { testing: o.testing } : {}),
      });
      live.set(id, transport);
      return Promise.resolve({ id, url: transport.urls[0]!, transport, rec });
    },
    stop(n: TestNode): Promise<void> {
      network.setDown(n.id, true);
      return Promise.resolve();
    },
    restart(n: TestNode): Promise<void> {
      network.setDown(n.id, false);
      return Promise.resolve();
    },
    async inject(to: TestNode, batch: WireBatch): Promise<void> {
      await new Promise((resolve) => setImmediate(resolve));
      get(to).inbound.receiveBatch(batch);
    },
    fetchMembers(n: TestNode) {
      return network.fetchMembers(n.url);
    },
    async close(): Promise<void> {
      for (const t of live.values()) await t.close();
      live.clear();
    },
  };
}
