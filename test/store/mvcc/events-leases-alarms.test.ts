// What the store reports to watchers (events per revision, history read back
// from the backend), the replicated lease table (grant, attach, revoke in one
// revision, checkpoint, persistence and snapshots) and alarms (NOSPACE and
// CORRUPT refuse what etcd's capped appliers refuse).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type LeaseChange,
  MemoryBackend,
  MvccStore,
  type RevisionEvents,
} from '../../../store/mvcc/index.js';
import { b, Harness, str } from './helpers.js';

/** A store on the lease table (no lookup override) that records what it reports. */
async function watched(backend = new MemoryBackend()): Promise<{
  h: Harness;
  revisions: RevisionEvents[];
  leases: LeaseChange[];
}> {
  const revisions: RevisionEvents[] = [];
  const leases: LeaseChange[] = [];
  const store = await MvccStore.open(backend, {
    listener: {
      onEvents: (r) => revisions.push(...r),
      onLeases: (c) => leases.push(...c),
    },
  });
  return { h: new Harness(store, backend), revisions, leases };
}

function describeEvents(revs: readonly RevisionEvents[]): string[] {
  return revs.map(
    (r) =>
      `${r.revision}:` +
      r.events
        .map((e) => {
          const prev = e.prevKv ? `(prev ${str(e.prevKv.value)}@${e.prevKv.modRevision})` : '';
          const v = e.type === 'put' ? `=${str(e.kv.value)}` : '';
          return `${e.type} ${str(e.kv.key)}${v}@${e.kv.modRevision}${prev}`;
        })
        .join(','),
  );
}

describe('events', () => {
  it('one entry per committed revision, in write order, with the replaced version', async () => {
    const { h, revisions } = await watched();
    h.put('a', '1');
    h.put('a', '2');
    h.txn({
      success: [
        { put: { key: b('b'), value: b('x') } },
        { deleteRange: { key: b('a') } },
        { put: { key: b('c'), value: b('y') } },
      ],
    });
    h.del('zzz'); // deletes nothing: no revision, no event
    h.txn({ success: [{ range: { key: b('a') } }] }); // read-only: no revision
    assert.deepEqual(describeEvents(revisions), [
      '2:put a=1@2',
      '3:put a=2@3(prev 1@2)',
      '4:put b=x@4,delete a@4(prev 2@3),put c=y@4',
    ]);
    const del = revisions[2]!.events[1]!;
    assert.equal(del.kv.createRevision, 0);
    assert.equal(del.kv.version, 0);
    assert.equal(del.kv.value.length, 0);
  });

  it('a failed or rolled-back transaction reports nothing', async () => {
    const { h, revisions } = await watched();
    h.put('a', '1');
    revisions.length = 0;
    // The second put uses ignore_value on a key the txn deleted first: the
    // whole transaction rolls back.
    h.fails({
      txn: {
        success: [
          { deleteRange: { key: b('a') } },
          { put: { key: b('a'), value: new Uint8Array(0), ignoreValue: true } },
        ],
      },
    });
    h.fails({ put: { key: b('k'), value: b('v'), lease: 99n } });
    assert.deepEqual(revisions, []);
    assert.equal(h.store.currentRevision(), 2);
  });

  it('a batch of entries reports all its revisions in one call, oldest first', async () => {
    const calls: number[][] = [];
    const store = await MvccStore.open(new MemoryBackend(), {
      listener: { onEvents: (r) => calls.push(r.map((x) => x.revision)) },
    });
    const h = new Harness(store, new MemoryBackend());
    h.applyAll([
      { put: { key: b('a'), value: b('1') } },
      { put: { key: b('b'), value: b('2') } },
      { deleteRange: { key: b('nothing') } },
      { put: { key: b('c'), value: b('3') } },
    ]);
    assert.deepEqual(calls, [[2, 3, 4]]);
  });
});

describe('history', () => {
  it('reads back exactly the events that were reported, in pages of whole revisions', async () => {
    const { h, revisions } = await watched();
    for (let i = 0; i < 20; i++) {
      h.txn({
        success: [
          { put: { key: b(`k${i % 3}`), value: b(`v${i}`) } },
          { put: { key: b(`j${i % 5}`), value: b(`w${i}`) } },
        ],
      });
      if (i % 4 === 3) h.del(`k${i % 3}`);
    }
    const all = describeEvents(
      revisions.map((r) => ({ ...r, events: r.events.map((e) => ({ ...e, prevKv: undefined })) })),
    );
    const read: RevisionEvents[] = [];
    let from = 2;
    const to = h.store.currentRevision();
    while (from <= to) {
      const page = await h.store.readHistory(from, to, 5);
      // Pages end on revision boundaries: 3 two-event revisions make 6 ≥ 5.
      assert.ok(page.revisions.length <= 3);
      read.push(...page.revisions);
      from = page.readThrough + 1;
    }
    assert.deepEqual(describeEvents(read), all);
  });

  it('prevOf finds the version before a revision, and nothing once compacted', async () => {
    const { h } = await watched();
    h.put('a', '1'); // 2
    h.put('a', '2'); // 3
    h.del('a'); // 4
    h.put('a', '3'); // 5
    assert.equal(str(h.store.prevOf(b('a'), 3)!.value), '1');
    assert.equal(str(h.store.prevOf(b('a'), 4)!.value), '2');
    assert.equal(h.store.prevOf(b('a'), 5), undefined); // deleted at 4
    assert.equal(h.store.prevOf(b('a'), 2), undefined); // created at 2
    h.compact(4);
    assert.equal(h.store.prevOf(b('a'), 3), undefined);
    await assert.rejects(h.store.readHistory(4, 5, 10), /compacted/);
    const page = await h.store.readHistory(5, 5, 10);
    assert.deepEqual(describeEvents(page.revisions), ['5:put a=3@5']);
  });
});

describe('lease table', () => {
  it('grant, attach, revoke: the attached keys go in one revision, in key order', async () => {
    const { h, revisions, leases } = await watched();
    h.ok({ leaseGrant: { id: 7n, ttl: 10 } });
    assert.equal(h.fails({ leaseGrant: { id: 7n, ttl: 5 } }), 'LeaseExist');
    h.put('b', '1', { lease: 7n });
    h.put('a', '1', { lease: 7n });
    h.put('c', '1', { lease: 7n });
    h.put('c', '2'); // moves c off the lease
    h.put('d', '1');
    assert.deepEqual(h.store.leaseKeys(7n).map(str), ['a', 'b']);
    revisions.length = 0;
    const rev = h.ok({ leaseRevoke: { id: 7n } });
    assert.deepEqual(rev, { leaseRevoke: { revision: 7 } });
    assert.deepEqual(describeEvents(revisions), ['7:delete a@7(prev 1@3),delete b@7(prev 1@2)']);
    assert.equal(h.store.lease(7n), undefined);
    assert.equal(h.fails({ leaseRevoke: { id: 7n } }), 'LeaseNotFound');
    assert.equal(h.fails({ put: { key: b('x'), value: b('v'), lease: 7n } }), 'LeaseNotFound');
    assert.deepEqual(
      leases.map((c) => c.type),
      ['grant', 'revoke'],
    );
  });

  it('a revoke of a lease without keys makes no revision', async () => {
    const { h } = await watched();
    h.ok({ leaseGrant: { id: 1n, ttl: 5 } });
    h.put('a', 'x', { lease: 1n });
    h.del('a');
    assert.deepEqual(h.store.leaseKeys(1n), []);
    const before = h.store.currentRevision();
    h.ok({ leaseRevoke: { id: 1n } });
    assert.equal(h.store.currentRevision(), before);
  });

  it('ids above 2^53 and negative ids survive a restart with their keys and checkpoints', async () => {
    const backend = new MemoryBackend();
    const { h } = await watched(backend);
    const big = 2n ** 60n + 3n;
    const neg = -5n;
    h.ok({ leaseGrant: { id: big, ttl: 30 } });
    h.ok({ leaseGrant: { id: neg, ttl: 40 } });
    h.put('k1', 'v', { lease: big });
    h.put('k2', 'v', { lease: neg });
    h.ok({
      leaseCheckpoint: {
        checkpoints: [
          { id: big, remainingTtl: 12 },
          { id: 99n, remainingTtl: 1 },
        ],
      },
    });
    await h.store.close();
    const reopened = await MvccStore.open(backend.reopen());
    assert.deepEqual(reopened.leases(), [
      { id: neg, ttl: 40, remainingTtl: 0 },
      { id: big, ttl: 30, remainingTtl: 12 },
    ]);
    assert.deepEqual(reopened.leaseKeys(big).map(str), ['k1']);
    assert.deepEqual(reopened.leaseKeys(neg).map(str), ['k2']);
  });

  it('a snapshot carries the leases and their keys', async () => {
    const { h } = await watched();
    h.ok({ leaseGrant: { id: 42n, ttl: 60 } });
    h.put('held', 'v', { lease: 42n });
    const chunks: Uint8Array[] = [];
    for await (const c of h.store.exportSnapshot()) chunks.push(c);
    const copy = await MvccStore.importSnapshot(new MemoryBackend(), chunks);
    assert.deepEqual(copy.leases(), [{ id: 42n, ttl: 60, remainingTtl: 0 }]);
    assert.deepEqual(copy.leaseKeys(42n).map(str), ['held']);
    assert.equal(await copy.hash(), await h.store.hash());
  });

  it('refuses a TTL above the maximum and a lease id of 0', async () => {
    const { h } = await watched();
    assert.equal(h.fails({ leaseGrant: { id: 1n, ttl: 9_000_000_001 } }), 'LeaseTTLTooLarge');
    assert.equal(h.fails({ leaseGrant: { id: 0n, ttl: 5 } }), 'LeaseNotFound');
  });
});

describe('alarms', () => {
  it('activate and deactivate answer the alarm that changed; get lists all', async () => {
    const { h } = await watched();
    const on = h.ok({ alarm: { action: 'activate', memberId: 2n, alarm: 'nospace' } });
    assert.deepEqual(on, { alarm: { revision: 1, alarms: [{ memberId: 2n, alarm: 'nospace' }] } });
    const again = h.ok({ alarm: { action: 'activate', memberId: 2n, alarm: 'nospace' } });
    assert.deepEqual(again, { alarm: { revision: 1, alarms: [] } });
    h.ok({ alarm: { action: 'activate', memberId: 1n, alarm: 'corrupt' } });
    assert.deepEqual(h.store.alarms(), [
      { memberId: 1n, alarm: 'corrupt' },
      { memberId: 2n, alarm: 'nospace' },
    ]);
    const off = h.ok({ alarm: { action: 'deactivate', memberId: 1n, alarm: 'corrupt' } });
    assert.deepEqual(off, { alarm: { revision: 1, alarms: [{ memberId: 1n, alarm: 'corrupt' }] } });
    const get = h.ok({ alarm: { action: 'get' } });
    assert.deepEqual(get, { alarm: { revision: 1, alarms: [{ memberId: 2n, alarm: 'nospace' }] } });
  });

  it('NOSPACE refuses puts, txns that put and lease grants; deletes, reads, revokes and compactions go on', async () => {
    const backend = new MemoryBackend();
    const { h } = await watched(backend);
    h.ok({ leaseGrant: { id: 1n, ttl: 5 } });
    h.put('a', '1');
    h.ok({ alarm: { action: 'activate', memberId: 9n, alarm: 'nospace' } });
    assert.equal(h.fails({ put: { key: b('a'), value: b('2') } }), 'NoSpace');
    assert.equal(
      h.fails({ txn: { failure: [{ put: { key: b('x'), value: b('') } }] } }),
      'NoSpace',
    );
    // As etcd: the quota cost counts top-level puts only, so a put in a nested Txn goes through.
    h.txn({ success: [{ txn: { success: [{ put: { key: b('nested'), value: b('v') } }] } }] });
    assert.equal(h.fails({ leaseGrant: { id: 2n, ttl: 5 } }), 'NoSpace');
    h.txn({ success: [{ range: { key: b('a') } }, { deleteRange: { key: b('zz') } }] });
    h.ok({ leaseRevoke: { id: 1n } });
    h.del('a');
    h.compact(2);
    // The alarm is replicated state: it survives a restart.
    await h.store.close();
    const again = backend.reopen();
    const reopened = new Harness(await MvccStore.open(again), again);
    reopened.index = h.index;
    assert.equal(reopened.fails({ put: { key: b('a'), value: b('2') } }), 'NoSpace');
    reopened.ok({ alarm: { action: 'deactivate', memberId: 9n, alarm: 'nospace' } });
    reopened.put('a', '2');
  });

  it('CORRUPT refuses every write and lease change', async () => {
    const { h } = await watched();
    h.ok({ alarm: { action: 'activate', memberId: 1n, alarm: 'corrupt' } });
    assert.equal(h.fails({ put: { key: b('a'), value: b('2') } }), 'Corrupt');
    assert.equal(h.fails({ deleteRange: { key: b('a') } }), 'Corrupt');
    assert.equal(h.fails({ txn: { success: [{ deleteRange: { key: b('a') } }] } }), 'Corrupt');
    assert.equal(h.fails({ compaction: { revision: 1 } }), 'Corrupt');
    assert.equal(h.fails({ leaseGrant: { id: 3n, ttl: 5 } }), 'Corrupt');
  });
});
