// The transport contract, run against GrpcTransport and MemoryTransport
// alike (transport.ts states it): messages, bounds, faults. Each test reads
// as one rule; snapshots and Members are in conformance-snapshots.ts.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { Packr } from 'msgpackr';
import { EntryType, MessageType } from '../../../store/raft/types.js';
import { app, maxSafe, maxU64, payloadOf, plain, snapMessage } from './fixtures.js';
import { connectAll, testClusterId, waitFor, type Harness, type TestNode } from './harness.js';

const cid = testClusterId.toString();
const packr = new Packr({ useRecords: false, int64AsType: 'bigint' });

async function turn(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

export function transportConformance(name: string, make: () => Harness): void {
  describe(`${name}: the transport contract`, () => {
    let h: Harness;
    beforeEach(() => {
      h = make();
    });
    afterEach(async () => {
      await h.close();
    });

    const pair = async (): Promise<[TestNode, TestNode]> => {
      const a = await h.node(1n);
      const b = await h.node(2n);
      connectAll([a, b]);
      return [a, b];
    };

    it('delivers the messages of each sender in order', async () => {
      const [a, b, c] = [await h.node(1n), await h.node(2n), await h.node(3n)];
      connectAll([a, b, c]);
      const perSender = 1000;
      for (let i = 0; i < perSender; i += 50) {
        a.transport.send(Array.from({ length: 50 }, (_, k) => app(a.id, b.id, i + k)));
        c.transport.send(Array.from({ length: 50 }, (_, k) => app(c.id, b.id, i + k)));
        await turn();
      }
      await waitFor(() => b.rec.messages.length === 2 * perSender, 'every message');
      const expected = Array.from({ length: perSender }, (_, i) => i);
      for (const from of [a.id, c.id]) {
        assert.deepEqual(
          b.rec.messages.filter((m) => m.from === from).map((m) => m.index),
          expected,
        );
      }
    });

    it('carries 64-bit ids and terms and indexes up to 2^53-1 exactly', async () => {
      const a = await h.node(maxU64, { clusterId: maxU64 - 1n });
      const b = await h.node(2n ** 63n + 1n, { clusterId: maxU64 - 1n });
      connectAll([a, b]);
      const m = app(a.id, b.id, maxSafe - 2, {
        term: maxSafe,
        logTerm: maxSafe - 1,
        commit: maxSafe,
        reject: true,
        rejectHint: maxSafe,
        context: new Uint8Array([9, 8, 7]),
        entries: [
          {
            term: maxSafe,
            index: maxSafe,
            type: EntryType.ConfChange,
            data: new Uint8Array([0, 255]),
          },
        ],
      });
      a.transport.send([m]);
      await waitFor(() => b.rec.messages.length === 1, 'the message');
      assert.deepEqual(plain(b.rec.messages[0]), plain(m));
    });

    it('refuses to send an unsafe term or index, queueing nothing of that call', async () => {
      const [a, b] = await pair();
      assert.throws(
        () => a.transport.send([app(a.id, b.id, 1), app(a.id, b.id, 2, { term: 2 ** 53 })]),
        RangeError,
      );
      const badEntry = { term: 1, index: 2 ** 60, type: EntryType.Normal, data: new Uint8Array() };
      assert.throws(
        () => a.transport.send([app(a.id, b.id, 3, { entries: [badEntry] })]),
        RangeError,
      );
      assert.throws(() => a.transport.send([snapMessage(a.id, b.id)]), /sendSnapshot/);
      a.transport.send([app(a.id, b.id, 4)]);
      await waitFor(() => b.rec.messages.length === 1, 'the valid message');
      assert.equal(b.rec.messages[0]!.index, 4);
    });

    it('refuses received terms and indexes above 2^53-1 instead of rounding them', async () => {
      const [a, b] = await pair();
      const rec = (term: unknown, index: unknown, entries: unknown[] = []): unknown[] => [
        MessageType.App,
        b.id,
        term,
        1,
        index,
        entries,
        0,
        false,
        0,
        null,
      ];
      const payload = packr.pack([
        rec(1, 1),
        rec(2 ** 53 + 2, 2), // float64 above 2^53
        rec(1, 2n ** 53n + 1n), // uint64 above 2^53
        rec(1, 3, [[1, 2 ** 53, 0, new Uint8Array()]]),
        rec(-1, 4),
        [MessageType.Hup, b.id, 1, 1, 5, [], 0, false, 0, null], // a local type
        rec(1, 6),
      ]);
      await h.inject(b, { clusterId: cid, from: a.id.toString(), payload });
      await waitFor(() => b.rec.messages.length === 2, 'the two valid messages');
      assert.deepEqual(
        b.rec.messages.map((m) => m.index),
        [1, 6],
      );
      assert.equal(b.transport.stats().refusedInvalid, 5);
    });

    it('drops batches from another cluster and from a removed member, and counts them', async () => {
      const a = await h.node(1n);
      const b = await h.node(2n);
      const stranger = await h.node(3n, { clusterId: 77n });
      connectAll([a, b, stranger]);
      stranger.transport.send([app(stranger.id, b.id, 1)]);
      await waitFor(() => b.transport.stats().refusedWrongCluster >= 1, 'the refusal');
      await waitFor(
        () => stranger.rec.unreachable.includes(b.id),
        'the stranger to see b unreachable',
      );

      b.transport.removePeer(a.id);
      a.transport.send([app(a.id, b.id, 2)]);
      await waitFor(
        () => b.transport.stats().refusedRemovedSender >= 1,
        'the removed member refused',
      );
      assert.throws(() => b.transport.addPeer(a.id, [a.url]), /removed/);
      await h.inject(b, {
        clusterId: '77',
        from: a.id.toString(),
        payload: payloadOf([app(a.id, b.id, 3)]),
      });
      assert.deepEqual(b.rec.messages, []);
    });

    it('drops messages to a peer that is down and reports it, without holding up the others', async () => {
      const [a, b, c] = [await h.node(1n), await h.node(2n), await h.node(3n)];
      connectAll([a, b, c]);
      await h.stop(b);
      let sentToC = 0;
      for (
        let i = 0;
        i < 400 && !(a.rec.unreachable.includes(b.id) && a.transport.stats().droppedPeerDown > 0);
        i++
      ) {
        a.transport.send([app(a.id, b.id, i), app(a.id, c.id, i)]);
        sentToC++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.ok(a.rec.unreachable.includes(b.id), 'onUnreachable(b) fired');
      assert.ok(a.transport.stats().droppedPeerDown > 0, 'messages to b were dropped');
      await waitFor(() => c.rec.messages.length === sentToC, 'every message to c');
      assert.deepEqual(
        a.rec.unreachable.filter((id) => id !== b.id),
        [],
      );
    });

    it('reconnects when the peer comes back on the same address', async () => {
      const [a, b] = await pair();
      a.transport.send([app(a.id, b.id, 0)]);
      await waitFor(() => b.rec.messages.length === 1, 'the first message');
      await h.stop(b);
      for (let i = 1; !a.rec.unreachable.includes(b.id); i++) {
        a.transport.send([app(a.id, b.id, i)]);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await h.restart(b);
      const marker = 1_000_000;
      let i = marker;
      await waitFor(
        () => {
          a.transport.send([app(a.id, b.id, i++)]);
          return b.rec.messages.some((m) => m.index >= marker);
        },
        'a message sent after the restart',
        10_000,
      );
      const after = b.rec.messages.filter((m) => m.index >= marker).map((m) => m.index);
      assert.deepEqual(
        after,
        [...after].sort((x, y) => x - y),
        'still in order',
      );
    });

    it('bounds the queue per peer: the excess is dropped and reported', async () => {
      const a = await h.node(1n, { limits: { maxPeerQueueMessages: 8 } });
      const b = await h.node(2n);
      connectAll([a, b]);
      a.transport.send([app(a.id, b.id, 0)]);
      await waitFor(() => b.rec.messages.length === 1, 'the stream to work');
      a.rec.inCall = true;
      a.transport.send(Array.from({ length: 100 }, (_, i) => app(a.id, b.id, i + 1)));
      a.rec.inCall = false;
      assert.equal(a.transport.stats().droppedQueueFull, 92);
      await waitFor(() => a.rec.unreachable.includes(b.id), 'onUnreachable(b)');
      await waitFor(() => b.rec.messages.length === 9, 'the 8 queued messages');
      assert.deepEqual(
        b.rec.messages.map((m) => m.index),
        [0, 1, 2, 3, 4, 5, 6, 7, 8],
      );
      assert.deepEqual(a.rec.reentered, []);
    });

    it('delivers nothing after close', async () => {
      const [a, b] = await pair();
      a.transport.send([app(a.id, b.id, 1)]);
      await waitFor(() => b.rec.messages.length === 1, 'the message');
      await b.transport.close();
      a.transport.send([app(a.id, b.id, 2)]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(b.rec.messages.length, 1);
      await a.transport.close();
      a.transport.send([app(a.id, b.id, 3)]); // a no-op, not an error
    });
  });
}
