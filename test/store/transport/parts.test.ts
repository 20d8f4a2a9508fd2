// The small parts both transports are built from: the bounded queue, the
// backoff, snapshot chunking and verification, the limits' relationships.

import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { describe, it } from 'node:test';

import { SeededRandom } from '../../../store/raft/random.js';
import { Backoff } from '../../../store/transport/backoff.js';
import { transportLimits, withLimits } from '../../../store/transport/limits.js';
import { PeerQueue } from '../../../store/transport/peer-queue.js';
import { cutSnapshotChunks, SnapshotAssembler } from '../../../store/transport/snapshot-chunks.js';
import { snapshotSource } from './fixtures.js';

const bytes = (n: number): Uint8Array => new Uint8Array(n);

describe('PeerQueue', () => {
  it('refuses past its message bound and its byte bound', () => {
    const q = new PeerQueue(3, 100);
    assert.ok(q.push(bytes(10)) && q.push(bytes(10)) && q.push(bytes(10)));
    assert.equal(q.push(bytes(1)), false);
    const r = new PeerQueue(10, 100);
    assert.ok(r.push(bytes(60)));
    assert.equal(r.push(bytes(41)), false);
    assert.ok(r.push(bytes(40)));
    assert.equal(r.bytes, 100);
  });

  it('takes up to a batch of bytes, but always at least one message', () => {
    const q = new PeerQueue(10, 1000);
    for (const n of [300, 300, 300, 50]) q.push(bytes(n));
    assert.deepEqual(
      q.take(650).encoded.map((e) => e.length),
      [300, 300],
    );
    assert.deepEqual(
      q.take(100).encoded.map((e) => e.length),
      [300],
    );
    assert.equal(q.take(1000).bytes, 50);
    assert.equal(q.length, 0);
    assert.equal(q.bytes, 0);
  });
});

describe('Backoff', () => {
  it('doubles from min to max, within the jitter, and starts over after reset', () => {
    const rnd = new SeededRandom(7);
    const b = new Backoff(50, 1000, 0.2, () => rnd.float());
    const delays = Array.from({ length: 8 }, () => b.nextDelayMs());
    const bases = [50, 100, 200, 400, 800, 1000, 1000, 1000];
    delays.forEach((d, i) =>
      assert.ok(d >= bases[i]! * 0.8 && d <= bases[i]! * 1.2, `delay ${i}: ${d}`),
    );
    b.reset();
    assert.ok(b.nextDelayMs() <= 60);
  });
});

describe('snapshot chunks', () => {
  it('re-cuts any piece sizes into full chunks, with the crc32 and length of the whole', async () => {
    for (const piece of [1, 999, 4096, 10_000, 50_000]) {
      const src = snapshotSource(40_000 + 17, piece);
      const digest = { crc32: 0, totalBytes: 0 };
      const chunks: Uint8Array[] = [];
      for await (const c of cutSnapshotChunks(src.data(), 4096, digest))
        chunks.push(Uint8Array.prototype.slice.call(c));
      assert.ok(
        chunks.slice(0, -1).every((c) => c.length === 4096),
        `piece ${piece}`,
      );
      assert.ok(Buffer.concat(chunks).equals(src.bytes));
      assert.deepEqual(digest, { crc32: crc32(src.bytes), totalBytes: src.bytes.length });
    }
  });

  it('is verified by length and crc32, and refused past the size bound', () => {
    const a = new SnapshotAssembler(10);
    assert.equal(a.add(new Uint8Array([1, 2, 3])), undefined);
    assert.equal(a.verify({ crc32: crc32(new Uint8Array([1, 2, 3])), totalBytes: 3 }), undefined);
    assert.match(a.verify({ crc32: 0, totalBytes: 3 }) ?? '', /checksum mismatch/);
    assert.match(
      a.verify({ crc32: crc32(new Uint8Array([1, 2, 3])), totalBytes: 4 }) ?? '',
      /length mismatch/,
    );
    assert.match(a.add(new Uint8Array(8)) ?? '', /larger than 10 bytes/);
  });
});

describe('transport limits', () => {
  it('hold their relationships, and refuse overrides that break them', () => {
    assert.ok(transportLimits.peerMaxMessageBytes >= transportLimits.maxBatchBytes);
    assert.throws(
      () => withLimits({ maxBatchBytes: transportLimits.peerMaxMessageBytes }),
      /full batch/,
    );
    assert.throws(
      () => withLimits({ peerBackoffMaxMs: 1, peerBackoffMinMs: 2 }),
      /peerBackoffMaxMs/,
    );
    assert.throws(() => withLimits({ maxPeerQueueMessages: 0 }), /positive integer/);
    assert.equal(withLimits({ maxPeerQueueMessages: 8 }).maxPeerQueueMessages, 8);
  });
});
