// Run by grpc-peer.test.ts in its own process: use both transports the way a
// replica does (messages, a snapshot, a peer that is down and reconnecting,
// Members), close them, and then simply return. If anything were left
// running (a socket, a timer, a stream) this process would not exit and the
// test would time out.

import { MemoryNetwork } from '../../../store/transport/memory-transport.js';
import { app, snapMessage, snapshotSource } from './fixtures.js';
import { grpcHarness } from './grpc-harness.js';
import { connectAll, recorder, testClusterId, waitFor } from './harness.js';

const h = grpcHarness();
const a = await h.node(1n, { members: () => [] });
const b = await h.node(2n);
const c = await h.node(3n);
connectAll([a, b, c]);
await h.stop(c); // a peer that is down: streams to it are in backoff when we close
a.transport.send([app(a.id, b.id, 1), app(a.id, c.id, 1)]);
await waitFor(() => b.rec.messages.length === 1, 'delivery');
a.transport.sendSnapshot(snapMessage(a.id, b.id), snapshotSource(3 * 1024 * 1024, 100_000).data);
await waitFor(() => a.rec.snapshotStatus.length === 1, 'the snapshot');
await h.fetchMembers(a);
await h.close();

const network = new MemoryNetwork();
const { handlers } = recorder();
const m1 = network.createTransport({ id: 1n, clusterId: testClusterId, handlers });
const m2 = network.createTransport({ id: 2n, clusterId: testClusterId, handlers });
m1.addPeer(2n, m2.urls);
m1.send([app(1n, 2n, 1)]);
await m1.close();
await m2.close();

console.log('closed');
