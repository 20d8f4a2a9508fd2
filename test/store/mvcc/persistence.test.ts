// What survives a restart and what a crash loses: the applied index and the
// state it describes are written atomically, reads see applied state before
// it is written, and members that applied the same entries hash the same.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEtcdError } from '../../../store/errors.js';
import type { Command } from '../../../store/mvcc/command.js';
import {
  LevelBackend,
  MemoryBackend,
  type MvccStore,
  type PutRequest,
} from '../../../store/mvcc/index.js';
import { CrashBackend } from './crash-backend.js';
import { b, Harness, openStore, rows, withTempDir } from './helpers.js';

/** A fixed mix of every command kind; the store ends at revision 12. */
function script(): Command[] {
  const put = (k: string, v: string, lease = 0n): { put: PutRequest } => ({
    put: { key: b(k), value: b(v), lease },
  });
  return [
    put('a', '1'), // 2
    put('b', '1', 2n ** 62n + 7n), // 3
    put('a', '2'), // 4
    { deleteRange: { key: b('b') } }, // 5
    put('c', '1'), // 6
    {
      txn: {
        compare: [{ key: b('a'), target: 'version', result: 'equal', version: 2 }],
        success: [put('d', '1'), { deleteRange: { key: b('c') } }],
      },
    }, // 7
    { compaction: { revision: 5 } },
    put('b', '2'), // 8
    {
      memberUpsert: {
        member: {
          id: 2n ** 63n + 1n,
          name: 'm1',
          peerUrls: ['http://127.0.0.1:1'],
          clientUrls: [],
          isLearner: false,
        },
      },
    },
    {
      memberUpsert: {
        member: { id: 7n, name: 'm2', peerUrls: [], clientUrls: [], isLearner: true },
      },
    },
    put('e', '1'), // 9
    { memberRemove: { id: 7n } },
    put('a', '3'), // 10
    put('e', '2'), // 11
    { deleteRange: { key: b('a'), rangeEnd: b('b') } }, // 12
    { noop: true },
  ];
}

/** Everything observable about a store, for before/after comparisons. */
async function observe(store: MvccStore) {
  const h = new Harness(store, new MemoryBackend());
  const history: Record<number, string[]> = {};
  for (let rev = Math.max(store.compactedRevision(), 1); rev <= store.currentRevision(); rev++) {
    history[rev] = h.all(rev);
  }
  return {
    revision: store.currentRevision(),
    compacted: store.compactedRevision(),
    applied: [store.appliedIndex(), store.appliedTerm()],
    members: store.members(),
    history,
    hashKV: await store.hashKV(0),
    hash: await store.hash(),
  };
}

describe('restart', () => {
  it('reopening a LevelBackend restores state, history, compaction, members and the applied index', async () => {
    await withTempDir(async (dir) => {
      const first = new Harness(await openStore(await LevelBackend.open(dir)), new MemoryBackend());
      first.term = 3;
      const results = first.applyAll(script());
      assert.ok(results.every((r) => r.ok));
      assert.equal(first.store.currentRevision(), 12);
      const before = await observe(first.store);
      await first.store.close();

      const store = await openStore(await LevelBackend.open(dir));
      try {
        const after = await observe(store);
        assert.deepEqual(after, before);
        assert.deepEqual(after.applied, [16, 3]);
        assert.deepEqual(
          after.members.map((m) => m.id),
          [2n ** 63n + 1n],
        );
        assert.deepEqual(after.history[12], ['b=2@8/8/1', 'd=1@7/7/1', 'e=2@9/11/2']);
        assert.equal(after.compacted, 5);
      } finally {
        await store.close();
      }
    });
  });

  it('a crash before the batch is written reopens at the previous applied index and state', async () => {
    await withTempDir(async (dir) => {
      const level = await LevelBackend.open(dir);
      const crash = new CrashBackend(level);
      const h = new Harness(await openStore(crash), crash);
      const commands = script();
      h.applyAll(commands.slice(0, 6));
      await h.store.flush();
      const before = await observe(h.store);
      crash.crash();
      h.applyAll(commands.slice(6));
      assert.equal(h.store.appliedIndex(), 16, 'applied in memory');
      assert.equal(h.all().length, 3, 'and visible to reads before any write');
      await level.close();

      const reopened = await openStore(await LevelBackend.open(dir));
      try {
        assert.deepEqual(await observe(reopened), before);
        assert.equal(reopened.appliedIndex(), 6);
        // Re-applying the lost entries gives what an uninterrupted store has.
        const again = new Harness(reopened, new MemoryBackend());
        again.index = 6;
        again.applyAll(commands.slice(6));
        const fresh = await Harness.memory();
        fresh.applyAll(commands);
        assert.deepEqual(await observe(reopened), await observe(fresh.store));
      } finally {
        await reopened.close();
      }
    });
  });

  it('sync() makes everything applied durable', async () => {
    await withTempDir(async (dir) => {
      const h = new Harness(await openStore(await LevelBackend.open(dir)), new MemoryBackend());
      h.applyAll(script());
      await h.store.sync();
      await h.store.close();
      const store = await openStore(await LevelBackend.open(dir));
      assert.equal(store.appliedIndex(), 16);
      await store.close();
    });
  });

  it('bootstrapMembers seeds the member table at the bootstrap index, durably', async () => {
    await withTempDir(async (dir) => {
      const store = await openStore(await LevelBackend.open(dir));
      const members = [
        {
          id: 2n ** 64n - 1n,
          name: 'a',
          peerUrls: ['http://127.0.0.1:1'],
          clientUrls: [],
          isLearner: false,
        },
        { id: 1n, name: 'b', peerUrls: ['http://127.0.0.1:2'], clientUrls: [], isLearner: false },
      ];
      store.bootstrapMembers(members, 2, 1);
      assert.throws(() => store.bootstrapMembers(members, 2, 1), /not new/);
      await store.sync();
      await store.close();
      const again = await openStore(await LevelBackend.open(dir));
      assert.deepEqual(again.members(), [members[1], members[0]]);
      assert.equal(again.appliedIndex(), 2);
      assert.equal(again.appliedTerm(), 1);
      assert.equal(again.currentRevision(), 1);
      await again.close();
    });
  });

  it('skips entries at or below the applied index', async () => {
    const h = await Harness.memory();
    h.applyAll(script().slice(0, 3));
    const again = h.store.applyEntries([{ index: 3, term: 1, command: { noop: true } }]);
    assert.equal(again[0]!.ok, false);
    assert.equal(!again[0]!.ok && again[0]!.error.code, 'AlreadyApplied');
    assert.equal(h.store.currentRevision(), 4);
  });
});

describe('reads before the batch is written', () => {
  it('see superseded values that are only in memory', async () => {
    const backend = new MemoryBackend();
    const crash = new CrashBackend(backend);
    const h = new Harness(await openStore(crash), crash);
    crash.crash(); // nothing ever reaches the backend
    h.put('a', '1');
    h.put('a', '2');
    h.del('a');
    h.put('a', '3');
    assert.deepEqual(h.all(2), ['a=1@2/2/1']);
    assert.deepEqual(h.all(3), ['a=2@2/3/2']);
    assert.deepEqual(h.all(4), []);
    assert.deepEqual(h.all(), ['a=3@5/5/1']);
  });
});

describe('hashes', () => {
  it('two stores fed the same entries hash the same; one different entry changes both hashes', async () => {
    const x = await Harness.memory();
    const y = await Harness.memory();
    x.applyAll(script());
    y.applyAll(script().slice(0, 8));
    y.applyAll(script().slice(8)); // other batching, same entries
    assert.equal(await x.store.hash(), await y.store.hash());
    for (const rev of [0, 6, 9, 12]) {
      assert.deepEqual(await x.store.hashKV(rev), await y.store.hashKV(rev), `revision ${rev}`);
    }
    x.put('z', '1');
    y.put('z', '2');
    assert.notEqual(await x.store.hash(), await y.store.hash());
    assert.notEqual((await x.store.hashKV(0)).hash, (await y.store.hashKV(0)).hash);
    assert.deepEqual(await x.store.hashKV(12), await y.store.hashKV(12), 'history up to 12 agrees');
  });

  it('hashKV reports the compacted revision as etcd does, and refuses as etcd does', async () => {
    const h = await Harness.memory();
    assert.equal((await h.store.hashKV(0)).compactRevision, -1);
    h.applyAll(script());
    const r = await h.store.hashKV(0);
    assert.equal(r.compactRevision, 5);
    assert.equal(r.revision, 12);
    await assert.rejects(h.store.hashKV(5), (e) => isEtcdError(e, 'Compacted'));
    await assert.rejects(h.store.hashKV(13), (e) => isEtcdError(e, 'FutureRev'));
    assert.equal(typeof (await h.store.hashKV(6)).hash, 'number');
  });

  it('a compaction changes hashKV below the new point only once it drops something', async () => {
    const x = await Harness.memory();
    const y = await Harness.memory();
    x.applyAll(script());
    y.applyAll(script());
    y.compact(9);
    assert.notEqual((await x.store.hashKV(12)).hash, (await y.store.hashKV(12)).hash);
    assert.ok((await y.store.sizeBytes()) <= (await x.store.sizeBytes()));
    assert.deepEqual(rows(y.range('b', undefined, { revision: 9 }).kvs), ['b=2@8/8/1']);
  });
});
