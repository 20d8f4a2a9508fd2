// RaftLogStore as the replica uses it: durable saves, the write queue,
// refusals that leave the disk untouched, bootstrap, identity, counters, and
// a RawNode driven through it across a restart.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  BackendClosedError,
  BackendFailedError,
  RaftLogStore,
} from '../../../store/backend/index.js';
import {
  MemoryStorage,
  RaftInvariantError,
  RawNode,
  SeededRandom,
  SnapshotOutOfDateError,
  StateType,
  type Snapshot,
} from '../../../store/raft/index.js';
import { ents, observe } from '../raft/storage-conformance.js';
import { withTempDir } from './helpers.js';

const cs = { voters: [1n, 2n, 3n], learners: [] };

test('entries and hard state saved with sync survive close and reopen', () =>
  withTempDir(async (dir) => {
    const store = await RaftLogStore.open(dir);
    await store.save(
      { entries: ents(1, [1, 1, 1]), hardState: { term: 1, vote: 2n, commit: 1 } },
      { sync: true },
    );
    await store.save(
      { entries: ents(4, [2]), hardState: { term: 2, vote: 3n, commit: 3 } },
      { sync: true },
    );
    const before = observe(store.storage);
    await store.close();

    const again = await RaftLogStore.open(dir);
    assert.deepEqual(observe(again.storage), before);
    assert.deepEqual(again.storage.hardState(), { term: 2, vote: 3n, commit: 3 });
    assert.equal(again.storage.lastIndex(), 4);
    await again.close();
  }));

test('counters: one batch per write, syncs only when asked, key and value bytes', () =>
  withTempDir(async (dir) => {
    const store = await RaftLogStore.open(dir);
    assert.deepEqual(store.counters(), { bytesWritten: 0, batches: 0, syncs: 0 });
    await store.save({ entries: ents(1, [1, 1]) }, { sync: false });
    await store.save({ entries: [], hardState: { term: 1, vote: 1n, commit: 2 } }, { sync: true });
    await store.save({ entries: [] }, { sync: false }); // nothing to store: no write at all
    const c = store.counters();
    assert.equal(c.batches, 2);
    assert.equal(c.syncs, 1);
    assert.ok(c.bytesWritten > 2 * 9, `bytes ${c.bytesWritten}`);
    await store.close();
  }));

test('saves are serialised: concurrent calls land in call order, each planned on the previous', () =>
  withTempDir(async (dir) => {
    const store = await RaftLogStore.open(dir);
    const model = new MemoryStorage();
    const pending: Promise<void>[] = [];
    for (let i = 1; i <= 40; i++) {
      // Every fifth save overwrites the last two entries with a higher term.
      const rd =
        i % 5 === 0
          ? { entries: ents(model.lastIndex() - 1, [i, i]) }
          : { entries: ents(model.lastIndex() + 1, [i]) };
      model.persist(rd);
      pending.push(store.save(rd, { sync: i % 2 === 0 }));
    }
    await Promise.all(pending);
    assert.deepEqual(observe(store.storage), observe(model));
    await store.close();
    const again = await RaftLogStore.open(dir);
    assert.deepEqual(observe(again.storage), observe(model));
    await again.close();
  }));

test('a refused write changes neither the disk nor the mirror, and later writes still work', () =>
  withTempDir(async (dir) => {
    const store = await RaftLogStore.open(dir);
    const snap: Snapshot = {
      metadata: { index: 5, term: 2, confState: cs },
      data: new Uint8Array(0),
    };
    await store.save(
      { snapshot: snap, entries: ents(6, [2, 2]), hardState: { term: 2, vote: 0n, commit: 5 } },
      { sync: true },
    );
    const before = observe(store.storage);

    const older = { ...snap, metadata: { ...snap.metadata, index: 4 } };
    await assert.rejects(
      store.save({ snapshot: older, entries: [] }, { sync: true }),
      SnapshotOutOfDateError,
    );
    await assert.rejects(
      store.save({ entries: ents(9, [2]) }, { sync: true }),
      RaftInvariantError,
      'a gap',
    );
    const broken = [...ents(8, [2]), ...ents(10, [2])];
    await assert.rejects(
      store.save({ entries: broken }, { sync: true }),
      RaftInvariantError,
      'not contiguous',
    );
    await assert.rejects(store.compact(6), RaftInvariantError, 'compaction beyond the snapshot');
    await assert.rejects(store.createSnapshot(5, cs, new Uint8Array(0)), SnapshotOutOfDateError);
    assert.deepEqual(observe(store.storage), before);

    await store.save({ entries: ents(8, [3]) }, { sync: true });
    assert.equal(store.storage.lastIndex(), 8);
    await store.close();
    const again = await RaftLogStore.open(dir);
    assert.equal(again.storage.lastIndex(), 8);
    await again.close();
  }));

test('bootstrap writes the snapshot at index 1 and the hard state; only into an empty log', () =>
  withTempDir(async (dir) => {
    const store = await RaftLogStore.open(dir);
    assert.equal(store.isEmpty(), true);
    await store.bootstrap([1n, 2n, 3n], Uint8Array.of(42));
    assert.equal(store.counters().syncs, 1);
    await store.close();

    const again = await RaftLogStore.open(dir);
    assert.equal(again.isEmpty(), false);
    assert.deepEqual(again.storage.initialState(), {
      hardState: { term: 1, vote: 0n, commit: 1 },
      confState: { voters: [1n, 2n, 3n], learners: [] },
    });
    assert.deepEqual(again.storage.snapshot().data, Uint8Array.of(42));
    assert.deepEqual([again.storage.firstIndex(), again.storage.lastIndex()], [2, 1]);
    await assert.rejects(again.bootstrap([1n]), RaftInvariantError);
    await again.close();
  }));

test('identity: ids above 2^53 round-trip, persist, and never change', () =>
  withTempDir(async (dir) => {
    const id = { memberId: (1n << 64n) - 1n, clusterId: (1n << 53n) + 1n };
    const store = await RaftLogStore.open(dir);
    assert.equal(store.identity(), undefined);
    await assert.rejects(store.saveIdentity({ memberId: 0n, clusterId: 1n }), RangeError);
    await assert.rejects(store.saveIdentity({ memberId: 1n << 64n, clusterId: 1n }), RangeError);
    await store.saveIdentity(id);
    await store.saveIdentity(id); // the same again is fine
    await assert.rejects(store.saveIdentity({ ...id, memberId: 7n }), RaftInvariantError);
    await store.close();

    const again = await RaftLogStore.open(dir);
    assert.deepEqual(again.identity(), id);
    await again.close();
  }));

test('after close every write is refused; close is idempotent and waits for queued writes', () =>
  withTempDir(async (dir) => {
    const store = await RaftLogStore.open(dir);
    const queued = store.save({ entries: ents(1, [1]) }, { sync: true });
    await store.close();
    await queued;
    await store.close();
    await assert.rejects(store.save({ entries: ents(2, [1]) }, { sync: true }), BackendClosedError);
    const again = await RaftLogStore.open(dir);
    assert.equal(again.storage.lastIndex(), 1, 'the write queued before close landed');
    await again.close();
  }));

test('a write that fails poisons the store: nothing later is written until it is reopened', () =>
  withTempDir(async (dir) => {
    const store = await RaftLogStore.open(dir);
    await store.save({ entries: ents(1, [1]) }, { sync: true });
    // Pull the database out from under the store: the next write fails in level.
    const db = Reflect.get(store, 'db') as { close(): Promise<void> };
    await db.close();
    await assert.rejects(store.save({ entries: ents(2, [1]) }, { sync: true }), BackendFailedError);
    assert.equal(store.storage.lastIndex(), 1, 'the mirror shows only what reached the disk');
    await assert.rejects(store.compact(1), BackendFailedError);
    await store.close();
  }));

test('a RawNode driven through the store commits, restarts from disk and keeps its log', () =>
  withTempDir(async (dir) => {
    const drive = async (store: RaftLogStore, node: RawNode): Promise<void> => {
      while (node.hasReady()) {
        const rd = node.ready();
        await store.save(rd, { sync: rd.mustSync });
        node.advance();
      }
    };
    const store = await RaftLogStore.open(dir);
    await store.bootstrap([1n]);
    const node = new RawNode({ id: 1n, storage: store.storage, random: new SeededRandom(1) });
    node.campaign();
    await drive(store, node);
    assert.equal(node.status().state, StateType.Leader);
    for (let i = 0; i < 5; i++) node.propose(Uint8Array.of(i));
    await drive(store, node);
    const { commit, lastIndex, term } = node.status();
    assert.equal(commit, lastIndex);
    await store.close();

    const again = await RaftLogStore.open(dir);
    const restarted = new RawNode({ id: 1n, storage: again.storage, random: new SeededRandom(2) });
    const st = restarted.status();
    assert.deepEqual([st.commit, st.lastIndex, st.term], [commit, lastIndex, term]);
    const data = again.storage
      .entries(lastIndex - 4, lastIndex + 1, Infinity)
      .map((e) => e.data[0]);
    assert.deepEqual(data, [0, 1, 2, 3, 4]);
    await again.close();
  }));
