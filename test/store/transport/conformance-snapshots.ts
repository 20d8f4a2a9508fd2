// The transport contract, continued: snapshots and the Members RPC.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { concat, maxU64, plain, snapMessage, snapshotSource } from './fixtures.js';
import { connectAll, waitFor, type Harness, type TestNode } from './harness.js';

export function snapshotConformance(name: string, make: () => Harness): void {
  describe(`${name}: snapshots and members`, () => {
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

    it('delivers a snapshot of several MiB intact and reports it ok', async () => {
      const [a, b] = await pair();
      const src = snapshotSource(5 * 1024 * 1024 + 123, 333_333);
      const msg = snapMessage(a.id, b.id);
      a.transport.sendSnapshot(msg, src.data);
      await waitFor(() => a.rec.snapshotStatus.length === 1, 'the snapshot status', 20_000);
      assert.deepEqual(a.rec.snapshotStatus, [{ id: b.id, ok: true }]);
      assert.equal(b.rec.snapshots.length, 1);
      const got = b.rec.snapshots[0]!;
      assert.deepEqual(plain(got.msg), plain(msg));
      assert.ok(concat(got.chunks).equals(src.bytes), 'same bytes');
      assert.ok(got.chunks.every((c) => c.length <= 1024 * 1024));
      assert.equal(b.transport.stats().snapshotsReceived, 1);
    });

    it('refuses a snapshot damaged in transit and reports it not ok', async () => {
      const flip = (chunk: Uint8Array, seq: number): Uint8Array => {
        if (seq !== 2) return chunk;
        const copy = Uint8Array.prototype.slice.call(chunk);
        copy[100] = copy[100]! ^ 0xff;
        return copy;
      };
      const a = await h.node(1n, { testing: { tamperSnapshotChunk: flip } });
      const b = await h.node(2n);
      connectAll([a, b]);
      a.transport.sendSnapshot(
        snapMessage(a.id, b.id),
        snapshotSource(4 * 1024 * 1024, 1 << 20).data,
      );
      await waitFor(() => a.rec.snapshotStatus.length === 1, 'the snapshot status', 20_000);
      assert.deepEqual(a.rec.snapshotStatus, [{ id: b.id, ok: false }]);
      assert.deepEqual(b.rec.snapshots, []);
      assert.equal(b.transport.stats().snapshotsRefused, 1);
    });

    it('reports a snapshot not ok when the receiver refuses it or cannot be reached', async () => {
      const [a, b] = await pair();
      const c = await h.node(3n);
      a.transport.addPeer(c.id, [c.url]);
      b.rec.refuseSnapshots = true;
      a.transport.sendSnapshot(snapMessage(a.id, b.id), snapshotSource(1000, 100).data);
      await waitFor(() => a.rec.snapshotStatus.length === 1, 'the refusal');
      await h.stop(c);
      a.rec.inCall = true;
      a.transport.sendSnapshot(snapMessage(a.id, 42n), snapshotSource(10, 10).data);
      a.rec.inCall = false;
      a.transport.sendSnapshot(snapMessage(a.id, c.id), snapshotSource(10, 10).data);
      await waitFor(() => a.rec.snapshotStatus.length === 3, 'two more failures', 10_000);
      assert.deepEqual(a.rec.snapshotStatus, [
        { id: b.id, ok: false },
        { id: 42n, ok: false },
        { id: c.id, ok: false },
      ]);
      assert.deepEqual(a.rec.reentered, []);
    });

    it('answers Members with 64-bit ids, and refuses when the replica does not serve it', async () => {
      const members = [
        {
          id: maxU64,
          name: 'n1',
          peerUrls: ['http://10.0.0.1:2380'],
          clientUrls: ['http://10.0.0.1:2379'],
          isLearner: false,
        },
        { id: 5n, name: 'n5', peerUrls: [], clientUrls: [], isLearner: true },
      ];
      const a = await h.node(1n, { clusterId: maxU64, members: () => members });
      const b = await h.node(2n);
      assert.deepEqual(await h.fetchMembers(a), { clusterId: maxU64, members });
      await assert.rejects(h.fetchMembers(b));
    });
  });
}
