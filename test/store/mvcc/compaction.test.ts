// Compaction as etcd 3.4 does it: which revisions are refused, what stays
// readable, what leaves the backend, and recovery from a crash between the
// logical compaction and the end of the physical one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEtcdError } from '../../../store/errors.js';
import type { Backend } from '../../../store/mvcc/backend.js';
import { mainOfRevisionKey, revisionRange } from '../../../store/mvcc/keys.js';
import { MemoryBackend } from '../../../store/mvcc/index.js';
import { CrashBackend } from './crash-backend.js';
import { Harness, openStore, waitFor } from './helpers.js';

/** Main revisions of every stored revision record. */
async function storedMains(backend: Backend): Promise<number[]> {
  const mains: number[] = [];
  for await (const batch of backend.iterate(revisionRange(0, Number.MAX_SAFE_INTEGER))) {
    for (const [key] of batch) mains.push(mainOfRevisionKey(key));
  }
  return mains;
}

/**
 * a: put 2, put 3, put 6 · b: put 4, delete 5 · c: put 7, delete 8, put 9.
 */
async function history(): Promise<Harness> {
  const h = await Harness.memory();
  h.put('a', '1');
  h.put('a', '2');
  h.put('b', '1');
  h.del('b');
  h.put('a', '3');
  h.put('c', '1');
  h.del('c');
  h.put('c', '2');
  return h;
}

describe('Compaction: what is refused', () => {
  it('a revision in the future is FutureRev, at or below the compacted one Compacted', async () => {
    const h = await history();
    assert.equal(h.fails({ compaction: { revision: 10 } }), 'FutureRev');
    h.compact(5);
    assert.equal(h.fails({ compaction: { revision: 5 } }), 'Compacted');
    assert.equal(h.fails({ compaction: { revision: 4 } }), 'Compacted');
    h.compact(9);
    assert.equal(h.store.compactedRevision(), 9);
  });

  it('before any compaction the compacted revision is -1, so compacting at 0 works once (etcd)', async () => {
    const h = await Harness.memory();
    assert.equal(h.store.compactedRevision(), -1);
    assert.equal(h.fails({ compaction: { revision: -3 } }), 'Compacted');
    h.compact(0);
    assert.equal(h.store.compactedRevision(), 0);
    assert.equal(h.fails({ compaction: { revision: 0 } }), 'Compacted');
    h.compact(1);
  });

  it('answers with the current revision and makes none', async () => {
    const h = await history();
    const r = h.ok({ compaction: { revision: 4 } });
    assert.ok('compaction' in r);
    assert.equal(r.compaction.revision, 9);
    assert.equal(h.store.currentRevision(), 9);
  });
});

describe('Compaction: what stays readable', () => {
  it('ranges below the compacted revision are refused, at it and above are served', async () => {
    const h = await history();
    h.compact(6);
    assert.throws(
      () => h.range('a', undefined, { revision: 5 }),
      (e) => isEtcdError(e, 'Compacted'),
    );
    assert.deepEqual(h.all(6), ['a=3@2/6/3']);
    assert.deepEqual(h.all(7), ['a=3@2/6/3', 'c=1@7/7/1']);
    assert.deepEqual(h.all(8), ['a=3@2/6/3']);
    assert.deepEqual(h.all(), ['a=3@2/6/3', 'c=2@9/9/1']);
  });

  it('keeps the latest revision ≤ the point of every key, so older-but-unchanged values stay readable', async () => {
    const h = await history();
    h.compact(4);
    assert.deepEqual(h.all(4), ['a=2@2/3/2', 'b=1@4/4/1']);
    assert.deepEqual(h.all(5), ['a=2@2/3/2']);
    await h.store.flush();
    assert.deepEqual(h.all(4), ['a=2@2/3/2', 'b=1@4/4/1'], 'from the backend');
  });

  it('history reads after more writes and a second compaction', async () => {
    const h = await history();
    h.compact(3);
    for (let i = 0; i < 5; i++) h.put('a', `x${i}`); // 10..14
    h.compact(11);
    await h.store.flush();
    assert.deepEqual(h.all(11), ['a=x1@2/11/5', 'c=2@9/9/1']);
    assert.deepEqual(h.all(13), ['a=x3@2/13/7', 'c=2@9/9/1']);
  });
});

describe('Compaction: what leaves the backend', () => {
  it('removes every revision ≤ the point but the kept ones, tombstones included', async () => {
    const h = await history();
    await h.store.flush();
    assert.deepEqual(await storedMains(h.backend), [2, 3, 4, 5, 6, 7, 8, 9]);
    const r = h.ok({ compaction: { revision: 8, physical: true } });
    assert.ok('compaction' in r);
    await r.compaction.physical;
    // a keeps 6; b (deleted at 5) and c's first generation (deleted at 8) are gone.
    assert.deepEqual(await storedMains(h.backend), [6, 9]);
  });

  it('a key whose only history is compacted away leaves the index; re-creating it starts afresh', async () => {
    const h = await history();
    h.compact(8);
    h.put('b', 'again');
    assert.deepEqual(
      h.all().filter((r) => r.startsWith('b')),
      ['b=again@10/10/1'],
    );
  });

  it('is resumed on open after a crash that lost the physical removal', async () => {
    const inner = new MemoryBackend();
    const crash = new CrashBackend(inner);
    const h = new Harness(await openStore(crash), crash);
    for (let i = 0; i < 5; i++) h.put(`k${i % 2}`, `v${i}`); // 2..6
    h.del('k0'); // 7
    await h.store.flush();
    // The apply batch (with the scheduled compaction) is written, the removal is lost.
    crash.crashAfter(1);
    h.compact(7);
    await waitFor(() => crash.lost === 1);
    assert.deepEqual(await storedMains(inner), [2, 3, 4, 5, 6, 7]);
    // Simulate a half-done removal too: one of the dropped records is already gone.
    await inner.write([{ type: 'del', key: revisionRange(2, 3).gte }]);

    const again = new Harness(await openStore(inner.reopen()), inner);
    assert.equal(again.store.compactedRevision(), 7);
    assert.equal(again.store.appliedIndex(), 7);
    assert.deepEqual(await storedMains(inner), [5]);
    assert.deepEqual(again.all(7), ['k1=v3@3/5/2']);
    assert.deepEqual(again.all(), ['k1=v3@3/5/2']);
  });
});
