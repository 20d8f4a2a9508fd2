// Range, as etcd 3.4 serves it. The expectations marked (etcd) were observed
// on a real etcd 3.4.23 with the same writes.

import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { isEtcdError } from '../../../store/errors.js';
import { b, Harness, rows, str } from './helpers.js';

/** k1..k5 at revisions 2..6, then k1 twice more (7, 8) and k4 again (9). */
async function fiveKeys(): Promise<Harness> {
  const h = await Harness.memory();
  for (const k of ['k1', 'k2', 'k3', 'k4', 'k5']) h.put(k, 'v');
  h.put('k1', 'v2');
  h.put('k1', 'v3');
  h.put('k4', 'v2');
  return h;
}

function keys(h: Harness, extra: Parameters<Harness['range']>[2]): string[] {
  return h.range('k', 'l', extra).kvs.map((kv) => str(kv.key));
}

describe('Range: which keys', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await fiveKeys();
  });

  it('starts at revision 1 and reads nothing from an empty store', async () => {
    const empty = await Harness.memory();
    assert.deepEqual(empty.range('a'), { revision: 1, kvs: [], more: false, count: 0 });
    assert.equal(empty.store.currentRevision(), 1);
  });

  it('without range_end reads the single key', () => {
    const r = h.range('k1');
    assert.deepEqual(rows(r.kvs), ['k1=v3@2/8/3']);
    assert.equal(r.count, 1);
    assert.equal(r.revision, 9);
    assert.deepEqual(h.range('k').kvs, []);
  });

  it('with range_end reads [key, range_end)', () => {
    assert.deepEqual(keys(h, {}), ['k1', 'k2', 'k3', 'k4', 'k5']);
    assert.deepEqual(
      h.range('k2', 'k4').kvs.map((kv) => str(kv.key)),
      ['k2', 'k3'],
    );
  });

  it('with range_end "\\0" reads every key from key on; key "\\0" too reads everything', () => {
    h.put('a', 'x');
    h.put('z', 'x');
    assert.deepEqual(
      h.range('k3', '\0').kvs.map((kv) => str(kv.key)),
      ['k3', 'k4', 'k5', 'z'],
    );
    assert.equal(h.range('\0', '\0').count, 7);
  });

  it('with range_end at or before key reads nothing (no error)', () => {
    assert.deepEqual(h.range('k3', 'k3'), { revision: 9, kvs: [], more: false, count: 0 });
    assert.deepEqual(h.range('k3', 'k1').kvs, []);
  });

  it('treats an empty range_end like none', () => {
    assert.deepEqual(rows(h.store.range({ key: b('k1'), rangeEnd: new Uint8Array(0) }).kvs), [
      'k1=v3@2/8/3',
    ]);
  });

  it('refuses an empty key', () => {
    assert.throws(
      () => h.range(''),
      (e) => isEtcdError(e, 'EmptyKey'),
    );
  });
});

describe('Range: limit, count and more', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await fiveKeys();
  });

  it('count is every key in range; more says the limit cut some off', () => {
    const r = h.range('k', 'l', { limit: 2 });
    assert.deepEqual(
      r.kvs.map((kv) => str(kv.key)),
      ['k1', 'k2'],
    );
    assert.equal(r.count, 5);
    assert.equal(r.more, true);
    const all = h.range('k', 'l', { limit: 5 });
    assert.equal(all.more, false);
    assert.equal(all.kvs.length, 5);
  });

  it('a limit of 0 or less means no limit', () => {
    assert.equal(h.range('k', 'l', { limit: 0 }).kvs.length, 5);
    assert.equal(h.range('k', 'l', { limit: -3 }).kvs.length, 5);
  });

  it('countOnly returns the count and no key-values, more stays false (etcd)', () => {
    assert.deepEqual(h.range('k', 'l', { countOnly: true, limit: 1 }), {
      revision: 9,
      kvs: [],
      more: false,
      count: 5,
    });
  });

  it('keysOnly leaves values empty and keeps everything else', () => {
    const r = h.range('k1', undefined, { keysOnly: true });
    assert.deepEqual(rows(r.kvs), ['k1=@2/8/3']);
  });
});

describe('Range: sorting (etcd sorts after fetching, then truncates)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await fiveKeys();
  });

  const vrow = (h: Harness, extra: Parameters<Harness['range']>[2]) =>
    h.range('k', 'l', extra).kvs.map((kv) => `${str(kv.key)}:${kv.version}`);

  it('descending by version, then the limit (etcd)', () => {
    const r = h.range('k', 'l', { limit: 2, sortOrder: 'descend', sortTarget: 'version' });
    assert.deepEqual(vrow(h, { limit: 2, sortOrder: 'descend', sortTarget: 'version' }), [
      'k1:3',
      'k4:2',
    ]);
    assert.equal(r.count, 5);
    assert.equal(r.more, true);
  });

  it('order none with a non-key target sorts ascending only the limit+1 keys fetched (etcd)', () => {
    // k1..k3 are fetched (limit+1), sorted by version (k2:1, k3:1, k1:3), cut to 2.
    assert.deepEqual(vrow(h, { limit: 2, sortTarget: 'version' }), ['k2:1', 'k3:1']);
    // With an explicit order everything is fetched first.
    assert.deepEqual(vrow(h, { limit: 2, sortOrder: 'ascend', sortTarget: 'version' }), [
      'k2:1',
      'k3:1',
    ]);
    // limit 3: k1..k4 fetched, sorted (k2:1, k3:1, k4:2, k1:3), cut to 3.
    assert.deepEqual(vrow(h, { limit: 3, sortTarget: 'version' }), ['k2:1', 'k3:1', 'k4:2']);
    assert.deepEqual(vrow(h, { limit: 3, sortOrder: 'ascend', sortTarget: 'version' }), [
      'k2:1',
      'k3:1',
      'k5:1',
    ]);
  });

  it('by value both ways, ties in key order (etcd)', () => {
    const vals = (extra: Parameters<Harness['range']>[2]) =>
      h.range('k', 'l', extra).kvs.map((kv) => `${str(kv.key)}:${str(kv.value)}`);
    assert.deepEqual(vals({ sortOrder: 'descend', sortTarget: 'value' }), [
      'k1:v3',
      'k4:v2',
      'k2:v',
      'k3:v',
      'k5:v',
    ]);
    assert.deepEqual(vals({ sortOrder: 'ascend', sortTarget: 'value' }), [
      'k2:v',
      'k3:v',
      'k5:v',
      'k4:v2',
      'k1:v3',
    ]);
  });

  it('by key, create and mod revision', () => {
    assert.deepEqual(keys(h, { sortOrder: 'descend' }), ['k5', 'k4', 'k3', 'k2', 'k1']);
    assert.deepEqual(keys(h, { sortOrder: 'ascend', sortTarget: 'key' }), [
      'k1',
      'k2',
      'k3',
      'k4',
      'k5',
    ]);
    assert.deepEqual(keys(h, { sortOrder: 'descend', sortTarget: 'create' }), [
      'k5',
      'k4',
      'k3',
      'k2',
      'k1',
    ]);
    assert.deepEqual(keys(h, { sortOrder: 'descend', sortTarget: 'mod' }), [
      'k4',
      'k1',
      'k5',
      'k3',
      'k2',
    ]);
    assert.deepEqual(keys(h, { sortTarget: 'mod', limit: 10 }), ['k2', 'k3', 'k5', 'k1', 'k4']);
  });
});

describe('Range: revision filters', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await fiveKeys();
  });

  it('min/max mod and create revision prune, count stays the whole range (etcd)', () => {
    const r = h.range('k', 'l', { minModRevision: 8, limit: 1 });
    assert.deepEqual(
      r.kvs.map((kv) => str(kv.key)),
      ['k1'],
    );
    assert.equal(r.count, 5);
    assert.equal(r.more, true);
    assert.deepEqual(keys(h, { maxModRevision: 5 }), ['k2', 'k3']);
    assert.deepEqual(keys(h, { minCreateRevision: 4 }), ['k3', 'k4', 'k5']);
    assert.deepEqual(keys(h, { maxCreateRevision: 3 }), ['k1', 'k2']);
    assert.deepEqual(keys(h, { minCreateRevision: 3, maxCreateRevision: 5, minModRevision: 4 }), [
      'k3',
      'k4',
    ]);
  });

  it('a filter of 0 is off; a negative max prunes everything', () => {
    assert.equal(keys(h, { minModRevision: 0, maxModRevision: 0 }).length, 5);
    assert.deepEqual(keys(h, { maxModRevision: -1 }), []);
  });

  it('more counts what is left after the filters', () => {
    const r = h.range('k', 'l', { minModRevision: 8, limit: 2 });
    assert.equal(r.kvs.length, 2);
    assert.equal(r.more, false);
  });
});

describe('Range: at a revision', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await fiveKeys();
  });

  it('reads history; the header revision stays the current one', () => {
    const r = h.range('k1', undefined, { revision: 7 });
    assert.deepEqual(rows(r.kvs), ['k1=v2@2/7/2']);
    assert.equal(r.revision, 9);
    assert.deepEqual(rows(h.range('k', 'l', { revision: 4 }).kvs), [
      'k1=v@2/2/1',
      'k2=v@3/3/1',
      'k3=v@4/4/1',
    ]);
    assert.equal(h.range('k', 'l', { revision: 1 }).count, 0);
  });

  it('a revision of 0 or less reads the current state (etcd)', () => {
    assert.equal(h.range('k', 'l', { revision: 0 }).count, 5);
    assert.equal(h.range('k', 'l', { revision: -4 }).count, 5);
  });

  it('refuses a future revision, however large', () => {
    for (const revision of [10, 2 ** 53 + 10, 1e19]) {
      assert.throws(
        () => h.range('k1', undefined, { revision }),
        (e) => isEtcdError(e, 'FutureRev'),
      );
    }
  });

  it('history reads keep working as later writes and flushes happen', async () => {
    for (let i = 0; i < 20; i++) h.put('k1', `w${i}`);
    await h.store.flush();
    h.put('k1', 'last');
    assert.deepEqual(rows(h.range('k1', undefined, { revision: 8 }).kvs), ['k1=v3@2/8/3']);
    assert.deepEqual(rows(h.range('k1', undefined, { revision: 10 }).kvs), ['k1=w0@2/10/4']);
    assert.deepEqual(rows(h.range('k1', undefined, { revision: 29 }).kvs), ['k1=w19@2/29/23']);
    assert.deepEqual(rows(h.range('k1').kvs), ['k1=last@2/30/24']);
  });

  it('sorts and filters history reads like current ones', () => {
    const r = h.range('k', 'l', { revision: 8, sortOrder: 'descend', sortTarget: 'mod', limit: 2 });
    assert.deepEqual(rows(r.kvs), ['k1=v3@2/8/3', 'k5=v@6/6/1']);
    assert.equal(r.count, 5);
    assert.equal(r.more, true);
  });
});
