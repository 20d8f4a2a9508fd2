// Txn as etcd 3.4 applies it: comparisons on every target with every result,
// range comparisons, branches, one revision for all writes, reads that see
// the transaction's own writes, nested transactions, and the checks that
// refuse a transaction before it changes anything. (etcd) marks behaviour
// observed on a real etcd 3.4.23.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MemoryBackend } from '../../../store/mvcc/index.js';
import {
  type Compare,
  type CompareResult,
  type RequestOp,
  type TxnResponse,
} from '../../../store/mvcc/index.js';
import { b, Harness, openStore, rows, str } from './helpers.js';

const put = (key: string, value: string): RequestOp => ({ put: { key: b(key), value: b(value) } });
const get = (key: string, extra = {}): RequestOp => ({ range: { key: b(key), ...extra } });
const del = (key: string, rangeEnd?: string): RequestOp => ({
  deleteRange: { key: b(key), ...(rangeEnd === undefined ? {} : { rangeEnd: b(rangeEnd) }) },
});

function rangeRows(resp: TxnResponse, i: number): string[] {
  const op = resp.responses[i]!;
  assert.ok('range' in op);
  return rows(op.range.kvs);
}

/** a=v1 (create 2, mod 3, version 2, lease 5); b=x (create 4). */
async function seeded(): Promise<Harness> {
  const h = await Harness.memory();
  h.put('a', 'v0', { lease: 5n });
  h.put('a', 'v1', { lease: 5n });
  h.put('b', 'x');
  return h;
}

function holds(h: Harness, c: Compare): boolean {
  return h.txn({ compare: [c] }).succeeded;
}

describe('Txn comparisons', () => {
  const results: CompareResult[] = ['equal', 'not_equal', 'greater', 'less'];
  // For each target: a = the key's actual value, then below/equal/above it.
  const cases: [Compare['target'], keyof Compare, unknown[]][] = [
    ['version', 'version', [1, 2, 3]],
    ['create', 'createRevision', [1, 2, 3]],
    ['mod', 'modRevision', [2, 3, 4]],
    ['lease', 'lease', [4n, 5n, 6n]],
    ['value', 'value', [b('v0'), b('v1'), b('v2')]],
  ];

  for (const [target, field, [below, same, above]] of cases) {
    it(`${target}: each result against a smaller, equal and larger operand`, async () => {
      const h = await seeded();
      const cmp = (result: CompareResult, operand: unknown) =>
        holds(h, { key: b('a'), target, result, [field]: operand } as Compare);
      const expected: Record<CompareResult, boolean[]> = {
        equal: [false, true, false],
        not_equal: [true, false, true],
        greater: [true, false, false],
        less: [false, false, true],
      };
      for (const result of results) {
        assert.deepEqual(
          [below, same, above].map((operand) => cmp(result, operand)),
          expected[result],
          result,
        );
      }
    });
  }

  it('a missing key compares as zeros: version/create/mod/lease = 0', async () => {
    const h = await seeded();
    for (const target of ['version', 'create', 'mod', 'lease'] as const) {
      assert.equal(holds(h, { key: b('nope'), target, result: 'equal' }), true, target);
      assert.equal(
        holds(h, {
          key: b('nope'),
          target,
          result: 'less',
          version: 1,
          createRevision: 1,
          modRevision: 1,
          lease: 1n,
        }),
        true,
        target,
      );
    }
  });

  it('a value comparison on a missing key always fails, even not_equal', async () => {
    const h = await seeded();
    for (const result of results) {
      assert.equal(holds(h, { key: b('nope'), target: 'value', result, value: b('x') }), false);
    }
    h.put('empty', '');
    assert.equal(
      holds(h, { key: b('empty'), target: 'value', result: 'equal', value: b('') }),
      true,
    );
  });

  it('with range_end every key in the range must hold; an empty range compares as zeros', async () => {
    const h = await seeded();
    const allCreated = (end: string, key = 'a') =>
      holds(h, {
        key: b(key),
        rangeEnd: b(end),
        target: 'create',
        result: 'greater',
        createRevision: 1,
      });
    assert.equal(allCreated('c'), true);
    assert.equal(
      holds(h, { key: b('a'), rangeEnd: b('c'), target: 'version', result: 'equal', version: 2 }),
      false,
    );
    assert.equal(
      holds(h, { key: b('a'), rangeEnd: b('c'), target: 'mod', result: 'less', modRevision: 5 }),
      true,
    );
    assert.equal(allCreated('z', 'x'), false, 'no key in [x, z): compares as create 0');
    assert.equal(
      holds(h, {
        key: b('a'),
        rangeEnd: b('\0'),
        target: 'version',
        result: 'greater',
        version: 0,
      }),
      true,
    );
  });

  it('all comparisons must hold to take the success branch', async () => {
    const h = await seeded();
    const r = h.txn({
      compare: [
        { key: b('a'), target: 'version', result: 'equal', version: 2 },
        { key: b('b'), target: 'value', result: 'equal', value: b('no') },
      ],
      success: [get('a')],
      failure: [get('b')],
    });
    assert.equal(r.succeeded, false);
    assert.deepEqual(rangeRows(r, 0), ['b=x@4/4/1']);
  });
});

describe('Txn execution', () => {
  it('a read-only txn makes no revision; a writing one makes exactly one', async () => {
    const h = await seeded();
    const ro = h.txn({ success: [get('a'), get('b')] });
    assert.equal(ro.revision, 4);
    assert.equal(ro.succeeded, true, 'no comparison: success');
    const rw = h.txn({ success: [put('c', '1'), put('d', '1'), del('b')] });
    assert.equal(rw.revision, 5);
    assert.equal(h.store.currentRevision(), 5);
    assert.deepEqual(h.all(), ['a=v1@2/3/2/L5', 'c=1@5/5/1', 'd=1@5/5/1']);
    assert.deepEqual(
      h.all(4).map((r) => r[0]),
      ['a', 'b'],
      'none of them visible before',
    );
  });

  it('reads inside a txn see its earlier writes; op headers show the revision at that point (etcd)', async () => {
    const h = await seeded();
    const r = h.txn({
      success: [get('c'), del('nothing'), put('c', '1'), get('c'), del('nothing')],
    });
    const revs = r.responses.map((op) => Object.values(op)[0].revision as number);
    assert.deepEqual(revs, [4, 4, 5, 5, 5]);
    assert.deepEqual(rangeRows(r, 0), []);
    assert.deepEqual(rangeRows(r, 3), ['c=1@5/5/1']);
  });

  it('a delete then a read in the same txn sees the key gone; history at the old revision still has it', async () => {
    const h = await seeded();
    const r = h.txn({ success: [del('a'), get('a'), get('a', { revision: 3 })] });
    assert.deepEqual(rangeRows(r, 1), []);
    assert.deepEqual(rangeRows(r, 2), ['a=v1@2/3/2/L5']);
  });

  it('a failed comparison with only reads makes no revision', async () => {
    const h = await seeded();
    const r = h.txn({
      compare: [{ key: b('a'), target: 'version', result: 'equal', version: 9 }],
      success: [put('z', '1')],
      failure: [get('a')],
    });
    assert.equal(r.succeeded, false);
    assert.equal(r.revision, 4);
    assert.equal(h.store.currentRevision(), 4);
  });

  it('nested txns: their headers say revision 0, their comparisons see the state before the txn (etcd)', async () => {
    const h = await seeded();
    const r = h.txn({
      success: [
        put('c', '3'),
        {
          txn: {
            compare: [{ key: b('c'), target: 'create', result: 'greater', createRevision: 0 }],
            success: [get('c')],
            failure: [get('a'), put('n', '1')],
          },
        },
      ],
    });
    assert.equal(r.revision, 5);
    const nested = r.responses[1]!;
    assert.ok('txn' in nested);
    assert.equal(nested.txn.revision, 0);
    assert.equal(nested.txn.succeeded, false, 'c did not exist before the txn');
    assert.deepEqual(rangeRows(nested.txn, 0), ['a=v1@2/3/2/L5']);
    assert.deepEqual(
      h.all().map((x) => x.slice(0, 1)),
      ['a', 'b', 'c', 'n'],
    );
  });

  it('a put then a from-key delete of the same key in one txn: the key ends deleted (etcd)', async () => {
    const h = await Harness.memory();
    h.put('a', '1');
    const r = h.txn({
      success: [put('b', 'q'), { deleteRange: { key: b('a'), rangeEnd: b('\0'), prevKv: true } }],
    });
    const d = r.responses[1]!;
    assert.ok('deleteRange' in d);
    assert.equal(d.deleteRange.deleted, 2);
    assert.deepEqual(rows(d.deleteRange.prevKvs), ['a=1@2/2/1', 'b=q@3/3/1']);
    assert.deepEqual(h.all(), []);
    assert.deepEqual(h.all(2), ['a=1@2/2/1']);
  });

  it('a from-key delete then a put of a deleted key: a new generation in the same revision (etcd)', async () => {
    const h = await Harness.memory();
    h.put('b', 'old');
    h.txn({ success: [del('a', '\0'), put('b', 'new')] });
    assert.deepEqual(h.all(), ['b=new@3/3/1']);
    assert.deepEqual(h.all(2), ['b=old@2/2/1']);
  });

  it('nested puts then deletes of the same key are allowed in that order (etcd)', async () => {
    const h = await Harness.memory();
    h.txn({ success: [{ txn: { success: [put('k', 'z')] } }, { txn: { success: [del('k')] } }] });
    assert.deepEqual(h.all(), []);
    assert.equal(h.store.currentRevision(), 2);
  });
});

describe('Txn checks before any change', () => {
  it('ignoreValue on a missing key on the taken path: KeyNotFound, nothing applied', async () => {
    const h = await seeded();
    const code = h.fails({
      txn: {
        success: [put('c', '1'), { put: { key: b('nope'), value: b(''), ignoreValue: true } }],
      },
    });
    assert.equal(code, 'KeyNotFound');
    assert.equal(h.store.currentRevision(), 4);
    assert.deepEqual(h.range('c').kvs, []);
  });

  it('the same put on the branch not taken is not checked (etcd)', async () => {
    const h = await seeded();
    const r = h.txn({
      success: [get('a')],
      failure: [{ put: { key: b('nope'), value: b(''), ignoreValue: true } }],
    });
    assert.equal(r.succeeded, true);
  });

  it('a range at a future or compacted revision fails the whole txn', async () => {
    const h = await seeded();
    assert.equal(
      h.fails({ txn: { success: [put('c', '1'), get('a', { revision: 5 })] } }),
      'FutureRev',
    );
    assert.equal(h.store.currentRevision(), 4);
    h.compact(3);
    assert.equal(h.fails({ txn: { success: [get('a', { revision: 2 })] } }), 'Compacted');
    assert.deepEqual(rangeRows(h.txn({ success: [get('a', { revision: 3 })] }), 0), [
      'a=v1@2/3/2/L5',
    ]);
  });

  it('a negative range revision: read as current, but Compacted once it is below the compaction (etcd)', async () => {
    const h = await seeded();
    assert.deepEqual(rangeRows(h.txn({ success: [get('b', { revision: -1 })] }), 0), ['b=x@4/4/1']);
    assert.equal(h.fails({ txn: { success: [get('b', { revision: -2 })] } }), 'Compacted');
    assert.equal(h.range('b', undefined, { revision: -2 }).count, 1, 'a plain Range reads current');
  });

  it('ignoreValue on a key deleted earlier in the same txn rolls the whole txn back (etcd panics)', async () => {
    const h = await seeded();
    await h.store.flush();
    const code = h.fails({
      txn: {
        success: [
          put('c', 'new'),
          del('a', '\0'),
          { put: { key: b('b'), value: b(''), ignoreValue: true } },
        ],
      },
    });
    assert.equal(code, 'KeyNotFound');
    assert.equal(h.store.currentRevision(), 4);
    assert.deepEqual(h.all(), ['a=v1@2/3/2/L5', 'b=x@4/4/1']);
    assert.deepEqual(h.all(3), ['a=v1@2/3/2/L5']);
    h.put('c', 'after');
    assert.deepEqual(h.all(), ['a=v1@2/3/2/L5', 'b=x@4/4/1', 'c=after@5/5/1']);
    await h.store.flush();
    const backend = (h.backend as MemoryBackend).reopen();
    const reopened = new Harness(await openStore(backend), backend);
    assert.deepEqual(reopened.all(), ['a=v1@2/3/2/L5', 'b=x@4/4/1', 'c=after@5/5/1']);
    assert.equal(str(reopened.range('c').kvs[0]!.value), 'after');
  });
});
