// Put and DeleteRange: revisions, versions and generations as etcd 3.4 keeps
// them, prev_kv, ignore_value / ignore_lease, and 64-bit lease ids.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { b, Harness, row, rows } from './helpers.js';

describe('Put', () => {
  it('each put makes one revision; create stays, mod moves, version counts', async () => {
    const h = await Harness.memory();
    assert.equal(h.put('a', '1').revision, 2);
    assert.equal(h.put('b', '1').revision, 3);
    assert.equal(h.put('a', '2').revision, 4);
    assert.deepEqual(h.all(), ['a=2@2/4/2', 'b=1@3/3/1']);
    assert.equal(h.store.currentRevision(), 4);
  });

  it('prevKv returns the version replaced, nothing for a new key', async () => {
    const h = await Harness.memory();
    assert.equal(h.put('a', '1', { prevKv: true }).prevKv, undefined);
    assert.equal(row(h.put('a', '2', { prevKv: true }).prevKv!), 'a=1@2/2/1');
    assert.equal(h.put('a', '3').prevKv, undefined);
  });

  it('ignoreValue keeps the value, ignoreLease keeps the lease, both bump the version', async () => {
    const h = await Harness.memory();
    h.put('a', 'v', { lease: 7n });
    h.ok({ put: { key: b('a'), value: new Uint8Array(0), ignoreValue: true, lease: 9n } });
    assert.deepEqual(h.all(), ['a=v@2/3/2/L9']);
    h.ok({ put: { key: b('a'), value: b('w'), ignoreLease: true } });
    assert.deepEqual(h.all(), ['a=w@2/4/3/L9']);
  });

  it('ignoreValue or ignoreLease on a missing key fails with KeyNotFound and changes nothing', async () => {
    const h = await Harness.memory();
    const code = h.fails({ put: { key: b('a'), value: new Uint8Array(0), ignoreValue: true } });
    assert.equal(code, 'KeyNotFound');
    assert.equal(h.fails({ put: { key: b('a'), value: b(''), ignoreLease: true } }), 'KeyNotFound');
    assert.equal(h.store.currentRevision(), 1);
    assert.equal(h.store.appliedIndex(), 2, 'a failed entry is still applied');
  });

  it('refuses ignoreValue with a value and ignoreLease with a lease', async () => {
    const h = await Harness.memory();
    h.put('a', 'v');
    assert.equal(
      h.fails({ put: { key: b('a'), value: b('x'), ignoreValue: true } }),
      'ValueProvided',
    );
    assert.equal(
      h.fails({ put: { key: b('a'), value: b(''), lease: 1n, ignoreLease: true } }),
      'LeaseProvided',
    );
    assert.equal(h.fails({ put: { key: new Uint8Array(0), value: b('x') } }), 'EmptyKey');
  });

  it('keeps lease ids beyond 2^53 exactly, both signs', async () => {
    const h = await Harness.memory();
    const big = 2n ** 63n - 1n;
    const neg = -(2n ** 62n) - 12345n;
    h.put('a', 'v', { lease: big });
    h.put('b', 'v', { lease: neg });
    h.put('c', 'v', { lease: 2n ** 53n + 1n });
    const kvs = h.range('a', 'z').kvs;
    assert.deepEqual(
      kvs.map((kv) => kv.lease),
      [big, neg, 2n ** 53n + 1n],
    );
    assert.deepEqual(
      h.range('a', 'z', { revision: 3 }).kvs.map((kv) => kv.lease),
      [big, neg],
    );
  });

  it('stores binary keys and values byte for byte', async () => {
    const h = await Harness.memory();
    const key = Uint8Array.of(0, 255, 1, 0);
    const value = Uint8Array.from({ length: 300 }, (_, i) => i % 256);
    h.ok({ put: { key, value } });
    const got = h.store.range({ key }).kvs[0]!;
    assert.deepEqual(got.key, key);
    assert.deepEqual(got.value, value);
  });
});

describe('DeleteRange', () => {
  it('deletes a key: a new revision, and it is gone', async () => {
    const h = await Harness.memory();
    h.put('a', '1');
    const d = h.del('a');
    assert.deepEqual(d, { revision: 3, deleted: 1, prevKvs: [] });
    assert.deepEqual(h.all(), []);
  });

  it('deleting nothing makes no revision (etcd)', async () => {
    const h = await Harness.memory();
    h.put('a', '1');
    assert.deepEqual(h.del('zz'), { revision: 2, deleted: 0, prevKvs: [] });
    assert.equal(h.store.currentRevision(), 2);
  });

  it('deletes a range under one revision, returning prevKvs when asked', async () => {
    const h = await Harness.memory();
    for (const k of ['a', 'b', 'c', 'd']) h.put(k, k);
    const d = h.del('b', 'd', true);
    assert.equal(d.revision, 6);
    assert.equal(d.deleted, 2);
    assert.deepEqual(rows(d.prevKvs), ['b=b@3/3/1', 'c=c@4/4/1']);
    assert.deepEqual(
      h.all().map((r) => r[0]),
      ['a', 'd'],
    );
    assert.equal(h.del('\0', '\0').deleted, 2);
    assert.deepEqual(h.all(), []);
  });

  it('a re-created key starts a new generation: version 1, new create revision', async () => {
    const h = await Harness.memory();
    h.put('a', '1'); // 2
    h.put('a', '2'); // 3
    h.del('a'); // 4
    h.put('a', '3'); // 5
    assert.deepEqual(h.all(), ['a=3@5/5/1']);
    h.put('a', '4'); // 6
    assert.deepEqual(h.all(), ['a=4@5/6/2']);
  });

  it('history sees each generation; at the tombstone the key is gone', async () => {
    const h = await Harness.memory();
    h.put('a', '1'); // 2
    h.put('a', '2'); // 3
    h.del('a'); // 4
    h.put('b', 'x'); // 5
    h.put('a', '3'); // 6
    assert.deepEqual(h.all(2), ['a=1@2/2/1']);
    assert.deepEqual(h.all(3), ['a=2@2/3/2']);
    assert.deepEqual(h.all(4), []);
    assert.deepEqual(h.all(5), ['b=x@5/5/1']);
    assert.deepEqual(h.all(6), ['a=3@6/6/1', 'b=x@5/5/1']);
    await h.store.flush();
    assert.deepEqual(h.all(3), ['a=2@2/3/2'], 'the same from the backend');
  });
});
