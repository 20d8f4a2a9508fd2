// What etcd 3.4 does with alarms beyond NOSPACE and CORRUPT refusing writes
// (checked against the etcd 3.4.23 binary), and defragmentation: the state
// is unchanged, the space of compacted revisions goes back to the disk.

import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LevelBackend, MemoryBackend, MvccStore } from '../../../store/mvcc/index.js';
import { b, Harness, openStore, withTempDir } from './helpers.js';

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

describe('alarm kinds', () => {
  it('a NONE alarm is stored, listed, kept across a restart and disarmed like any other', async () => {
    const backend = new MemoryBackend();
    const h = new Harness(await openStore(backend), backend);
    const on = h.ok({ alarm: { action: 'activate', memberId: 12345n, alarm: 'none' } });
    assert.deepEqual(on, { alarm: { revision: 1, alarms: [{ memberId: 12345n, alarm: 'none' }] } });
    h.put('a', 'a NONE alarm refuses nothing');
    h.ok({ alarm: { action: 'activate', memberId: 3n, alarm: 'nospace' } });
    assert.deepEqual(
      h.store.alarms().map((a) => a.alarm),
      ['nospace', 'none'],
    );
    await h.store.close();
    const again = backend.reopen();
    const reopened = new Harness(await MvccStore.open(again), again);
    reopened.index = h.index;
    assert.deepEqual(reopened.store.alarms(), [
      { memberId: 3n, alarm: 'nospace' },
      { memberId: 12345n, alarm: 'none' },
    ]);
    const off = reopened.ok({ alarm: { action: 'deactivate', memberId: 12345n, alarm: 'none' } });
    assert.deepEqual(off, {
      alarm: { revision: 2, alarms: [{ memberId: 12345n, alarm: 'none' }] },
    });
  });

  it('the NOSPACE and CORRUPT records keep etcd’s type numbers in their keys (1 and 2)', async () => {
    const backend = new MemoryBackend();
    const h = new Harness(await openStore(backend), backend);
    h.ok({ alarm: { action: 'activate', memberId: 1n, alarm: 'nospace' } });
    h.ok({ alarm: { action: 'activate', memberId: 1n, alarm: 'corrupt' } });
    await h.store.flush();
    const keys: number[] = [];
    for await (const batch of backend.iterate({ gte: b('m/alarm/'), lt: b('m/alarm0') })) {
      for (const [k] of batch) keys.push(k[k.length - 1]!);
    }
    assert.deepEqual(keys, [1, 2]);
  });

  it('CORRUPT lets read-only txns through (etcd serves them without Raft), nothing that writes', async () => {
    const h = await Harness.memory();
    h.put('a', '1');
    h.ok({ alarm: { action: 'activate', memberId: 1n, alarm: 'corrupt' } });
    const read = h.txn({
      success: [{ range: { key: b('a') } }],
      failure: [{ range: { key: b('b') } }],
    });
    assert.equal(read.succeeded, true);
    h.txn({});
    assert.equal(h.range('a').kvs.length, 1);
    // etcd's isTxnReadonly looks at the top level: a nested txn is not read-only.
    assert.equal(
      h.fails({ txn: { success: [{ txn: { success: [{ range: { key: b('a') } }] } }] } }),
      'Corrupt',
    );
    assert.equal(
      h.fails({ txn: { failure: [{ put: { key: b('a'), value: b('') } }] } }),
      'Corrupt',
    );
    assert.equal(h.fails({ leaseRevoke: { id: 1n } }), 'Corrupt');
  });
});

describe('defragment', () => {
  it('gives the space of compacted revisions back to the disk and changes nothing else', async () => {
    await withTempDir(async (dir) => {
      const backend = await LevelBackend.open(dir);
      const h = new Harness(await openStore(backend), backend);
      const value = 'x'.repeat(4000);
      for (let i = 0; i < 200; i++) h.put(`k${i % 20}`, `${value}${i}`);
      for (let i = 0; i < 19; i++) h.del(`k${i}`);
      h.compact(h.store.currentRevision());
      await h.store.flush();
      const rows = h.all();
      const hash = await h.store.hash();
      const before = await dirBytes(dir);
      await h.store.defragment();
      const after = await dirBytes(dir);
      assert.ok(after < before / 4, `database files: ${before} bytes before, ${after} after`);
      assert.deepEqual(h.all(), rows);
      assert.equal(await h.store.hash(), hash);
      h.put('k1', 'after');
      await h.store.close();
      const reopened = await openStore(await LevelBackend.open(dir));
      assert.equal(reopened.range({ key: b('k1') }).kvs.length, 1);
      assert.equal(reopened.range({ key: b('k19') }).kvs.length, 1);
      await reopened.close();
    });
  });

  it('is a no-op on the memory backend', async () => {
    const h = await Harness.memory();
    h.put('a', '1');
    await h.store.defragment();
    assert.equal(h.range('a').kvs.length, 1);
  });
});
