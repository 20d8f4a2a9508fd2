// The watch hub on a store in memory: what each watcher is offered, in
// which order and in which responses, as the store applies writes,
// compacts, and is replaced by a snapshot.

import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { MemoryBackend, MvccStore, anyLease } from '../../../../store/mvcc/index.js';
import { b, Harness } from '../helpers.js';
import { assertWellFormed, HubHarness, RecordingSink } from './hub-harness.js';

const put = (key: string, value: string) => ({ put: { key: b(key), value: b(value) } });

suite('history and live events', () => {
  test('a watcher from an old revision replays history, then gets live events', async () => {
    const h = await HubHarness.memory();
    h.kv.put('a1', 'x'); // 2
    h.kv.put('a2', 'x'); // 3
    h.kv.put('b', 'x'); // 4
    h.kv.put('a3', 'x'); // 5
    const sink = new RecordingSink();
    const w = h.watch(sink, 'a', 'b', 2);
    assert.equal(w.state, 'unsynced');
    assert.equal(w.lastHeader, 5, 'the created header is the current revision');
    await h.settle();
    assert.deepEqual(sink.events(w), ['put a1=x@2', 'put a2=x@3', 'put a3=x@5']);
    assert.equal(w.state, 'synced');
    h.kv.put('a4', 'y'); // 6
    h.kv.del('a1'); // 7
    h.kv.txn({ success: [put('a5', 'z'), put('zz', 'z'), put('a6', 'z')] }); // 8
    await h.settle();
    const rs = sink.responses(w);
    assert.deepEqual(sink.events(w).slice(3), [
      'put a4=y@6',
      'delete a1@7',
      'put a5=z@8',
      'put a6=z@8',
    ]);
    const txnResponse = rs.find((r) => r.events.includes('put a5=z@8'))!;
    assert.ok(txnResponse.events.includes('put a6=z@8'), 'one txn, one response');
    assertWellFormed(rs);
  });

  test('start revision 0 means the next revision; a future start waits for it', async () => {
    const h = await HubHarness.memory();
    h.kv.put('k', '1'); // 2
    const sink = new RecordingSink();
    const now = h.watch(sink, 'k', undefined, 0);
    const future = h.watch(sink, 'k', undefined, 5);
    assert.equal(now.state, 'synced');
    assert.equal(future.state, 'synced');
    h.kv.put('k', '2'); // 3
    h.kv.put('k', '3'); // 4
    h.kv.put('k', '4'); // 5
    await h.settle();
    assert.deepEqual(sink.events(now), ['put k=2@3', 'put k=3@4', 'put k=4@5']);
    assert.deepEqual(sink.events(future), ['put k=4@5']);
  });

  test('revisions applied but not yet dispatched reach a new watcher once, from wherever it starts', async () => {
    const h = await HubHarness.memory();
    const sink = new RecordingSink();
    const early = h.watch(sink, 'k', '\0', 0);
    h.kv.put('k1', 'a'); // 2: queued, not dispatched yet
    h.kv.put('k2', 'b'); // 3
    const late = h.watch(sink, 'k', '\0', 3); // ahead of dispatched (1): synced, skips 2
    const fromNow = h.watch(sink, 'k', '\0', 0); // from 4
    await h.settle();
    h.kv.put('k3', 'c'); // 4
    await h.settle();
    assert.deepEqual(sink.events(early), ['put k1=a@2', 'put k2=b@3', 'put k3=c@4']);
    assert.deepEqual(sink.events(late), ['put k2=b@3', 'put k3=c@4']);
    assert.deepEqual(sink.events(fromNow), ['put k3=c@4']);
  });

  test('filters and prev_kv, live and from history (prev_kv is the version before the revision)', async () => {
    const h = await HubHarness.memory();
    h.kv.put('b', '1'); // 2
    const sink = new RecordingSink();
    const livePrev = h.watch(sink, 'a', '\0', 0, { prevKv: true });
    const noPut = h.watch(sink, 'a', '\0', 0, { noPut: true });
    const noDelete = h.watch(sink, 'a', '\0', 0, { noDelete: true });
    h.kv.put('b', '2'); // 3
    // Deletes every key from a on (b among them), then puts b again: one revision.
    h.kv.txn({ success: [{ deleteRange: { key: b('a'), rangeEnd: b('\0') } }, put('b', '3')] }); // 4
    h.kv.del('b'); // 5
    await h.settle();
    const want = [
      'put b=2@3 prev=1@2',
      'delete b@4 prev=2@3',
      'put b=3@4 prev=2@3',
      'delete b@5 prev=3@4',
    ];
    assert.deepEqual(sink.events(livePrev), want);
    assert.deepEqual(sink.events(noPut), ['delete b@4', 'delete b@5']);
    assert.deepEqual(sink.events(noDelete), ['put b=2@3', 'put b=3@4']);
    const historyPrev = h.watch(sink, 'b', undefined, 3, { prevKv: true });
    await h.settle();
    assert.deepEqual(sink.events(historyPrev), want);
  });

  test('a canceled watcher is offered nothing more', async () => {
    const h = await HubHarness.memory();
    const sink = new RecordingSink();
    const w = h.watch(sink, 'k', undefined, 0);
    h.kv.put('k', '1');
    await h.settle();
    h.hub.cancel(w);
    h.kv.put('k', '2');
    await h.settle();
    assert.deepEqual(sink.events(w), ['put k=1@2']);
    assert.equal(w.state, 'done');
  });

  test('a revision is never split, even when a dispatch step holds fewer events', async () => {
    const h = await HubHarness.memory({ dispatchEventsPerStep: 2, historyPageEvents: 2 });
    const sink = new RecordingSink();
    const live = h.watch(sink, 'a', '\0', 0);
    h.kv.txn({ success: ['a', 'b', 'c', 'd', 'e'].map((k) => put(k, '1')) }); // 2
    h.kv.txn({ success: ['a', 'b', 'c'].map((k) => put(k, '2')) }); // 3
    await h.settle();
    const history = h.watch(sink, 'a', '\0', 2);
    await h.settle();
    for (const w of [live, history]) {
      const rs = sink.responses(w).filter((r) => r.events.length > 0);
      for (const r of rs) {
        const revs = new Set(r.events.map((e) => e.split('@')[1]));
        assert.equal(revs.size, 1, `one revision per response here: ${r.events.join(', ')}`);
      }
      assert.equal(sink.events(w).length, 8);
    }
  });
});

suite('compaction', () => {
  test('a start below the compacted revision ends the watch with compact_revision; at it, etcd serves its puts', async () => {
    const h = await HubHarness.memory();
    h.kv.put('a', '1'); // 2
    h.kv.put('b', '1'); // 3
    h.kv.txn({ success: [put('a', '2'), put('c', '1')] }); // 4
    h.kv.del('b'); // 5
    h.kv.compact(4);
    const sink = new RecordingSink();
    const below = h.watch(sink, 'a', '\0', 3);
    const at = h.watch(sink, 'a', '\0', 4);
    const above = h.watch(sink, 'a', '\0', 5);
    await h.settle();
    assert.deepEqual(sink.responses(below), [{ revision: 5, events: [], compactRevision: 4 }]);
    assert.equal(below.state, 'done');
    assert.deepEqual(sink.events(at), ['put a=2@4', 'put c=1@4', 'delete b@5']);
    assert.deepEqual(sink.events(above), ['delete b@5']);
  });

  test("etcd's negative start revisions: -1 on a store never compacted is 'from now', below it is compacted", async () => {
    const h = await HubHarness.memory();
    h.kv.put('a', '1'); // 2
    const sink = new RecordingSink();
    const minusOne = h.watch(sink, 'a', undefined, -1);
    const minusThree = h.watch(sink, 'a', undefined, -3);
    await h.settle();
    h.kv.put('a', '2'); // 3
    await h.settle();
    assert.deepEqual(sink.events(minusOne), ['put a=2@3']);
    assert.deepEqual(sink.responses(minusThree), [
      { revision: 2, events: [], compactRevision: -1 },
    ]);
  });
});

suite('slow consumers', () => {
  test('a watcher that does not drain leaves the synced group; the others keep getting every event at once', async () => {
    const h = await HubHarness.memory();
    const slow = new RecordingSink();
    slow.capacity = 2;
    const fast = new RecordingSink();
    const ws = h.watch(slow, 'k', '\0', 0);
    const wf = h.watch(fast, 'k', '\0', 0);
    for (let i = 0; i < 50; i++) {
      h.kv.put(`k${i}`, 'v'); // revision i + 2
      await h.settle();
      assert.equal(fast.events(wf).length, i + 1, 'the fast watcher has each event right away');
    }
    assert.equal(ws.state, 'unsynced');
    assert.equal(slow.events(ws).length, 2);
    h.kv.put('k-late', 'v'); // 52, while it is behind
    // The stream drains now and then; the watcher catches up from history.
    for (let round = 0; round < 100 && slow.events(ws).length < 51; round++) {
      slow.drain(h.hub);
      await h.settle();
    }
    h.kv.put('k-last', 'v'); // 53
    for (let round = 0; round < 10 && slow.events(ws).length < 52; round++) {
      slow.drain(h.hub);
      await h.settle();
    }
    assert.equal(slow.events(ws).length, 52);
    assert.deepEqual(slow.events(ws), fast.events(wf));
    assertWellFormed(slow.responses(ws));
    assert.equal(ws.state, 'synced');
  });

  test('when dispatch falls too far behind, the synced group catches up from history instead', async () => {
    const h = await HubHarness.memory({ pendingEventsMax: 5 });
    const sink = new RecordingSink();
    const w = h.watch(sink, 'k', '\0', 0);
    h.kv.applyAll(Array.from({ length: 20 }, (_, i) => put(`k${i}`, 'v')));
    assert.equal(w.state, 'unsynced');
    await h.settle();
    assert.equal(sink.events(w).length, 20);
    assertWellFormed(sink.responses(w));
    assert.equal(w.state, 'synced');
  });
});

suite('progress', () => {
  test('a progress notification only for a watcher that has every event up to the revision', async () => {
    const h = await HubHarness.memory();
    h.kv.put('a', '1'); // 2
    h.kv.put('a', '2'); // 3
    const sink = new RecordingSink();
    const behind = h.watch(sink, 'a', undefined, 2);
    assert.equal(h.hub.requestProgress(behind), false, 'unsynced');
    const synced = h.watch(sink, 'a', undefined, 0);
    assert.equal(h.hub.requestProgress(synced), true);
    assert.deepEqual(sink.responses(synced), [{ revision: 3, events: [] }]);
    await h.settle();
    assert.equal(h.hub.requestProgress(behind), true);
    assert.deepEqual(sink.responses(behind).at(-1), { revision: 3, events: [] });
    const future = h.watch(sink, 'a', undefined, 10);
    assert.equal(h.hub.bookmarkable(future), false, 'it needs revisions the hub has not reached');
  });
});

suite('fan-out', () => {
  test('10,000 watchers on distinct keys: each gets exactly its events', async () => {
    const h = await HubHarness.memory();
    const sink = new RecordingSink();
    const n = 10_000;
    const key = (i: number) => `key${String(i).padStart(5, '0')}`;
    const ws = Array.from({ length: n }, (_, i) => h.watch(sink, key(i), undefined, 0));
    const started = performance.now();
    let rev = 1;
    const want = new Map<number, string[]>();
    for (let batch = 0; batch < 40; batch++) {
      const cmds = [];
      for (let j = 0; j < 50; j++) {
        const i = (batch * 7919 + j * 104_729) % (n + 500); // some keys nobody watches
        cmds.push(put(i < n ? key(i) : `other${i}`, `${batch}`));
        rev++;
        if (i < n) want.set(i, [...(want.get(i) ?? []), `put ${key(i)}=${batch}@${rev}`]);
      }
      h.kv.applyAll(cmds);
      await h.settle();
    }
    const ms = performance.now() - started;
    for (let i = 0; i < n; i++) assert.deepEqual(sink.events(ws[i]!), want.get(i) ?? [], key(i));
    // 2,000 events against 10,000 watchers: index lookups, not 20 million comparisons.
    assert.ok(ms < 5000, `dispatch took ${ms.toFixed(0)} ms`);
  });

  test('10,000 watchers on one prefix: every watcher gets every event', async () => {
    const h = await HubHarness.memory();
    const sink = new RecordingSink();
    const ws = Array.from({ length: 10_000 }, () => h.watch(sink, 'p/', 'p0', 0));
    for (let i = 0; i < 20; i++) {
      h.kv.put(`p/${i}`, 'v');
      if (i % 5 === 4) await h.settle();
    }
    await h.settle();
    for (const w of ws) assert.equal(sink.events(w).length, 20);
  });
});

suite('snapshot install', () => {
  async function leaderAhead(commands: Parameters<Harness['applyAll']>[0]) {
    const leader = await Harness.memory();
    leader.applyAll(commands);
    return leader;
  }

  /** As the replica installs a snapshot: onRestoring, the import (while the hub may try to read), onRestored. */
  async function install(h: HubHarness, leader: Harness): Promise<Harness> {
    const chunks: Uint8Array[] = [];
    for await (const c of leader.store.exportSnapshot()) chunks.push(c);
    const old = h.kv.store;
    let readsWhileRestoring = 0;
    const readHistory = old.readHistory.bind(old);
    old.readHistory = (...args) => {
      if (h.hub.restoring) readsWhileRestoring++;
      return readHistory(...args);
    };
    h.hub.listener.onRestoring!();
    assert.equal(h.hub.stats().synced, 0, 'everyone waits for the new state');
    h.hub.sinkReady();
    await new Promise((r) => setTimeout(r, 20));
    const backend = new MemoryBackend();
    const store = await MvccStore.importSnapshot(backend, chunks, { leases: anyLease });
    assert.equal(readsWhileRestoring, 0, 'the old state is not read while it is replaced');
    const next = new Harness(store, backend);
    next.index = leader.index;
    store.listener = h.hub.listener;
    h.hub.listener.onRestored!(store);
    return next;
  }

  test('every watcher resyncs from the new state: the revisions it never saw arrive once, in order', async () => {
    const h = await HubHarness.memory();
    const common = [put('a', '1'), put('b', '1')]; // 2, 3
    h.kv.applyAll(common);
    const sink = new RecordingSink();
    const all = h.watch(sink, 'a', '\0', 2);
    const onlyB = h.watch(sink, 'b', undefined, 0);
    await h.settle();
    const leader = await leaderAhead([
      ...common,
      put('a', '2'), // 4
      put('c', '1'), // 5
      put('b', '2'), // 6
    ]);
    const next = await install(h, leader);
    assert.equal(all.state, 'unsynced');
    await h.settle();
    next.put('a', '3'); // 7
    await h.settle();
    assert.deepEqual(sink.events(all), [
      'put a=1@2',
      'put b=1@3',
      'put a=2@4',
      'put c=1@5',
      'put b=2@6',
      'put a=3@7',
    ]);
    assert.deepEqual(sink.events(onlyB), ['put b=2@6']);
    assertWellFormed(sink.responses(all));
    assert.equal(all.state, 'synced');
  });

  test('a watcher whose next revision the new state has compacted away is canceled with compact_revision', async () => {
    const h = await HubHarness.memory();
    h.kv.applyAll([put('a', '1')]); // 2
    const sink = new RecordingSink();
    const w = h.watch(sink, 'a', undefined, 0); // wants 3 on
    await h.settle();
    const leader = await leaderAhead([put('a', '1'), put('a', '2'), put('a', '3'), put('a', '4')]);
    leader.compact(4);
    await install(h, leader);
    await h.settle();
    assert.deepEqual(sink.responses(w), [{ revision: 5, events: [], compactRevision: 4 }]);
  });
});
