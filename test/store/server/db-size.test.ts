// The database size the space quota reads on every write: measured once,
// then served from memory, re-measured in the background once stale —
// never a directory listing per request.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DbSizeCache } from '../../../store/server/db-size.js';

/** A measurable "disk": counts reads; each read resolves when the test says so. */
function fakeDisk(initialBytes: number) {
  const disk = {
    bytes: initialBytes,
    reads: 0,
    pending: [] as (() => void)[],
    manual: false,
    read: (): Promise<number> => {
      disk.reads++;
      if (!disk.manual) return Promise.resolve(disk.bytes);
      return new Promise((resolve) => disk.pending.push(() => resolve(disk.bytes)));
    },
    /** Completes every read in flight. */
    finish(): void {
      for (const done of disk.pending.splice(0)) done();
    },
  };
  return disk;
}

const settle = () => new Promise((r) => setImmediate(r));

describe('DbSizeCache', () => {
  it('measures once, then answers from memory until the value is stale', async () => {
    const disk = fakeDisk(1000);
    let now = 0;
    const cache = new DbSizeCache({ readBytes: disk.read, maxAgeMs: 250, nowMs: () => now });
    assert.equal(await cache.currentBytes(), 1000);
    disk.bytes = 5000;
    for (let i = 0; i < 1000; i++) assert.equal(await cache.currentBytes(), 1000);
    assert.equal(disk.reads, 1, 'a thousand requests, no second measure');
    now = 249;
    await cache.currentBytes();
    assert.equal(disk.reads, 1);
    now = 250;
    assert.equal(await cache.currentBytes(), 1000, 'the stale value is served meanwhile');
    await settle();
    assert.equal(disk.reads, 2);
    assert.equal(await cache.currentBytes(), 5000);
  });

  it('keeps one measure in flight however many requests find the value stale', async () => {
    const disk = fakeDisk(10);
    let now = 0;
    const cache = new DbSizeCache({ readBytes: disk.read, maxAgeMs: 100, nowMs: () => now });
    await cache.currentBytes();
    disk.manual = true;
    now = 1000;
    const answers = await Promise.all(Array.from({ length: 50 }, () => cache.currentBytes()));
    assert.ok(answers.every((b) => b === 10));
    assert.equal(disk.reads, 2);
    disk.bytes = 20;
    disk.finish();
    await settle();
    assert.equal(await cache.currentBytes(), 20);
  });

  it('only the first caller waits, and concurrent first callers share one measure', async () => {
    const disk = fakeDisk(7);
    disk.manual = true;
    const cache = new DbSizeCache({ readBytes: disk.read, maxAgeMs: 100 });
    const first = [cache.currentBytes(), cache.currentBytes(), cache.currentBytes()];
    await settle();
    assert.equal(disk.reads, 1);
    disk.finish();
    assert.deepEqual(await Promise.all(first), [7, 7, 7]);
  });

  it('refresh() measures after the call, not with a measure that started before it', async () => {
    const disk = fakeDisk(100);
    let now = 0;
    const cache = new DbSizeCache({ readBytes: disk.read, maxAgeMs: 10, nowMs: () => now });
    await cache.currentBytes();
    disk.manual = true;
    now = 50;
    void cache.currentBytes(); // a background measure starts, sees 100
    disk.bytes = 40; // e.g. a defragmentation finished
    const refreshed = cache.refresh();
    disk.finish(); // the old measure ends with... the new size, as a real disk would
    await settle();
    disk.finish(); // the refresh's own measure
    assert.equal(await refreshed, 40);
    assert.equal(disk.reads, 3);
  });

  it('a failed measure keeps the last value and is retried by a later request', async () => {
    let fail = false;
    let reads = 0;
    let now = 0;
    const cache = new DbSizeCache({
      readBytes: () => {
        reads++;
        return fail ? Promise.reject(new Error('EIO')) : Promise.resolve(300);
      },
      maxAgeMs: 10,
      nowMs: () => now,
    });
    assert.equal(await cache.currentBytes(), 300);
    fail = true;
    now = 100;
    assert.equal(await cache.currentBytes(), 300);
    await settle();
    assert.equal(await cache.currentBytes(), 300);
    await settle();
    assert.ok(reads >= 3, 'tried again');
    fail = false;
    await settle();
    assert.equal(await cache.currentBytes(), 300);
  });
});
