// The fault controls only the in-memory twin has: stalling a member and
// partitioning the network, and its promise never to deliver synchronously.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MemoryNetwork } from '../../../store/transport/memory-transport.js';
import { app } from './fixtures.js';
import { connectAll, waitFor } from './harness.js';
import { memoryHarness } from './memory-harness.js';

describe('MemoryNetwork', () => {
  it('delivers on a later task, never inside send()', async () => {
    const h = memoryHarness();
    const [a, b] = [await h.node(1n), await h.node(2n)];
    connectAll([a, b]);
    a.transport.send([app(a.id, b.id, 1)]);
    assert.equal(b.rec.messages.length, 0);
    await waitFor(() => b.rec.messages.length === 1, 'delivery');
    await h.close();
  });

  it('holds messages for a stalled member up to the bound, then drops and reports', async () => {
    const net = new MemoryNetwork();
    const h = memoryHarness(net);
    const a = await h.node(1n, { limits: { maxPeerQueueMessages: 10 } });
    const b = await h.node(2n);
    connectAll([a, b]);
    net.stall(b.id, true);
    for (let i = 0; i < 15; i++) {
      a.transport.send([app(a.id, b.id, i)]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(b.rec.messages.length, 0);
    assert.equal(a.transport.stats().droppedQueueFull, 5);
    await waitFor(() => a.rec.unreachable.includes(b.id), 'onUnreachable');
    net.stall(b.id, false);
    await waitFor(() => b.rec.messages.length === 10, 'the queued messages');
    assert.deepEqual(
      b.rec.messages.map((m) => m.index),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    await h.close();
  });

  it('loses messages across a partition silently, and delivers again once healed', async () => {
    const net = new MemoryNetwork();
    const h = memoryHarness(net);
    const [a, b, c] = [await h.node(1n), await h.node(2n), await h.node(3n)];
    connectAll([a, b, c]);
    net.partition([a.id], [b.id, c.id]);
    a.transport.send([app(a.id, b.id, 1)]);
    c.transport.send([app(c.id, b.id, 1)]);
    await waitFor(() => b.rec.messages.length === 1, 'the message within the partition');
    assert.equal(b.rec.messages[0]!.from, c.id);
    assert.deepEqual(a.rec.unreachable, []);
    net.heal();
    a.transport.send([app(a.id, b.id, 2)]);
    await waitFor(() => b.rec.messages.length === 2, 'the message after healing');
    await h.close();
  });

  it('refuses two transports on one address', () => {
    const net = new MemoryNetwork();
    const handlers = {
      onMessages() {},
      onSnapshot: () => Promise.resolve(),
      onUnreachable() {},
      onSnapshotStatus() {},
    };
    net.createTransport({ id: 1n, clusterId: 1n, handlers, urls: ['memory://x'] });
    assert.throws(
      () => net.createTransport({ id: 2n, clusterId: 1n, handlers, urls: ['memory://x'] }),
      /taken/,
    );
  });
});
