// Commands: the encoding round-trips every field exactly; bytes that are
// not a well-formed command are refused with MalformedCommandError (and the
// state machine answers them instead of crashing); and the validation the
// server runs before proposing matches etcd 3.4's (v3rpc/key.go). (etcd)
// marks cases checked against a real etcd 3.4.23.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encode } from '../../../store/backend/codec.js';
import { limits } from '../../../store/limits.js';
import {
  type Command,
  decodeCommand,
  encodeCommand,
  MalformedCommandError,
  type RequestOp,
  type TxnRequest,
  validateCommand,
  validatePut,
  validateRange,
  validateTxn,
} from '../../../store/mvcc/index.js';
import { b, Harness } from './helpers.js';

const put = (key: string): RequestOp => ({ put: { key: b(key), value: b('v') } });
const del = (key: string, rangeEnd?: string): RequestOp => ({
  deleteRange: { key: b(key), ...(rangeEnd === undefined ? {} : { rangeEnd: b(rangeEnd) }) },
});
const txn = (success: RequestOp[], failure: RequestOp[] = []): RequestOp => ({
  txn: { success, failure },
});

/** `x` with every Buffer as a plain Uint8Array: msgpackr decodes bytes as Buffers. */
function plain(x: unknown): unknown {
  if (x instanceof Uint8Array) return new Uint8Array(x);
  if (Array.isArray(x)) return x.map(plain);
  if (typeof x === 'object' && x !== null) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  }
  return x;
}

function code(t: TxnRequest): string | undefined {
  return validateTxn(t)?.code;
}

describe('encodeCommand / decodeCommand', () => {
  const samples: Command[] = [
    {
      put: {
        key: b('k'),
        value: Uint8Array.of(0, 1, 255),
        lease: 2n ** 63n - 1n,
        prevKv: true,
        ignoreValue: false,
        ignoreLease: false,
      },
    },
    { put: { key: b('k'), value: b(''), lease: -(2n ** 63n) } },
    { put: { key: b('k'), value: b('v'), lease: 0n } },
    { deleteRange: { key: b('a'), rangeEnd: b('\0'), prevKv: true } },
    {
      txn: {
        compare: [
          { key: b('a'), target: 'lease', result: 'not_equal', lease: 2n ** 60n + 3n },
          { key: b('a'), rangeEnd: b('b'), target: 'value', result: 'less', value: b('x') },
          { key: b('a'), target: 'mod', result: 'greater', modRevision: 2 ** 52 },
        ],
        success: [
          {
            range: {
              key: b('a'),
              rangeEnd: b('z'),
              limit: 3,
              revision: 7,
              sortOrder: 'descend',
              sortTarget: 'create',
              keysOnly: true,
              countOnly: false,
              minModRevision: 1,
              maxModRevision: 9,
              minCreateRevision: 2,
              maxCreateRevision: 8,
            },
          },
          txn([put('n')], [del('m')]),
        ],
        failure: [put('f')],
      },
    },
    { compaction: { revision: 42, physical: true } },
    {
      memberUpsert: {
        member: {
          id: 2n ** 64n - 1n,
          name: 'm1',
          peerUrls: ['http://127.0.0.1:2380'],
          clientUrls: [],
          isLearner: true,
        },
      },
    },
    { memberRemove: { id: 2n ** 63n + 5n } },
    { noop: true },
  ];

  for (const sample of samples) {
    it(`round-trips ${Object.keys(sample)[0]} exactly`, () => {
      const back = decodeCommand(encodeCommand(sample));
      // Same fields, same types (bigint stays bigint, numbers stay numbers), same bytes.
      assert.deepEqual(plain(back), sample);
    });
  }

  const malformed: [string, unknown][] = [
    ['a number', 42],
    ['two kinds at once', { put: { key: b('a'), value: b('') }, noop: true }],
    ['an unknown kind', { frobnicate: {} }],
    ['a string key', { put: { key: 'a', value: b('') } }],
    ['a missing value', { put: { key: b('a') } }],
    ['a number lease', { put: { key: b('a'), value: b(''), lease: 5 } }],
    ['a lease beyond int64', { put: { key: b('a'), value: b(''), lease: 2n ** 63n } }],
    ['a fractional limit', { txn: { success: [{ range: { key: b('a'), limit: 1.5 } }] } }],
    ['NaN as a revision', { compaction: { revision: NaN } }],
    ['an unknown sort order', { txn: { success: [{ range: { key: b('a'), sortOrder: 'up' } }] } }],
    [
      'an unknown compare target',
      { txn: { compare: [{ key: b('a'), target: 'x', result: 'equal' }] } },
    ],
    [
      'an op of two kinds',
      { txn: { success: [{ put: { key: b('a'), value: b('') }, range: { key: b('a') } }] } },
    ],
    ['a negative member id', { memberRemove: { id: -1n } }],
    [
      'a member without urls',
      { memberUpsert: { member: { id: 1n, name: 'x', isLearner: false } } },
    ],
  ];

  for (const [what, raw] of malformed) {
    it(`refuses ${what}`, () => {
      assert.throws(() => decodeCommand(encode(raw)), MalformedCommandError);
    });
  }

  it('refuses bytes that are not msgpack, and Txns nested deeper than any valid one', () => {
    assert.throws(() => decodeCommand(Uint8Array.of(0xc1)), MalformedCommandError);
    let deep: TxnRequest = {};
    for (let i = 0; i < limits.maxTxnOps + 5; i++) deep = { success: [{ txn: deep }] };
    assert.throws(() => decodeCommand(encode({ txn: deep })), /deeper/);
  });

  it('the state machine answers malformed entries and keeps going', async () => {
    const h = await Harness.memory();
    const results = h.applyAll([
      Uint8Array.of(0xc1),
      encode({ put: { key: 'a', value: b('') } }),
      encodeCommand({ put: { key: b('a'), value: b('1') } }),
      new Uint8Array(0),
    ]);
    assert.deepEqual(
      results.map((r) => (r.ok ? Object.keys(r.response)[0] : r.error.code)),
      ['MalformedCommand', 'MalformedCommand', 'put', 'noop'],
    );
    assert.equal(h.store.appliedIndex(), 4);
    assert.equal(h.store.currentRevision(), 2);
  });
});

describe('validation before proposing (etcd v3rpc/key.go)', () => {
  it('refuses empty keys in every request and comparison', () => {
    assert.equal(validateRange({ key: new Uint8Array(0) })?.code, 'EmptyKey');
    assert.equal(validatePut({ key: new Uint8Array(0), value: b('') })?.code, 'EmptyKey');
    assert.equal(validateCommand({ deleteRange: { key: new Uint8Array(0) } })?.code, 'EmptyKey');
    assert.equal(
      code({ compare: [{ key: new Uint8Array(0), target: 'version', result: 'equal' }] }),
      'EmptyKey',
    );
    assert.equal(code({ failure: [{ range: { key: new Uint8Array(0) } }] }), 'EmptyKey');
    assert.equal(validateRange({ key: b('a') }), undefined);
  });

  it('refuses a value with ignoreValue and a lease with ignoreLease', () => {
    assert.equal(
      validatePut({ key: b('a'), value: b('x'), ignoreValue: true })?.code,
      'ValueProvided',
    );
    assert.equal(validatePut({ key: b('a'), value: b(''), ignoreValue: true }), undefined);
    assert.equal(
      validatePut({ key: b('a'), value: b(''), lease: 3n, ignoreLease: true })?.code,
      'LeaseProvided',
    );
    assert.equal(
      validatePut({ key: b('a'), value: b(''), lease: 0n, ignoreLease: true }),
      undefined,
    );
  });

  it('an op holding no request is "key not found" (etcd)', () => {
    assert.equal(code({ success: [{} as RequestOp] }), 'KeyNotFound');
  });

  it(`limits the largest of compare/success/failure to ${limits.maxTxnOps}`, () => {
    const ops = (n: number) => Array.from({ length: n }, (_, i) => put(`k${i}`));
    assert.equal(code({ success: ops(limits.maxTxnOps) }), undefined);
    assert.equal(code({ success: ops(limits.maxTxnOps + 1) }), 'TooManyOps');
    assert.equal(
      code({ success: ops(100), failure: ops(100) }),
      undefined,
      'per branch, not summed',
    );
    const cmps = Array.from({ length: limits.maxTxnOps + 1 }, () => ({
      key: b('a'),
      target: 'version' as const,
      result: 'equal' as const,
    }));
    assert.equal(code({ compare: cmps }), 'TooManyOps');
  });

  it('a nested txn gets only what its parent left of the budget', () => {
    const ops = (n: number, p: string) => Array.from({ length: n }, (_, i) => put(`${p}${i}`));
    // 64 ops at the top (63 puts and the txn) leave 128 - 64 = 64 for the nested one.
    assert.equal(code({ success: [...ops(63, 'a'), txn(ops(64, 'b'))] }), undefined);
    assert.equal(code({ success: [...ops(63, 'a'), txn(ops(65, 'b'))] }), 'TooManyOps');
  });

  describe('duplicate keys among puts and deletes', () => {
    const cases: [string, RequestOp[], string | undefined][] = [
      ['put k twice (etcd)', [put('k'), put('k')], 'DuplicateKey'],
      ['put inside a deleted range (etcd)', [del('a', 'c'), put('b')], 'DuplicateKey'],
      ['put of a deleted single key', [del('b'), put('b')], 'DuplicateKey'],
      ['put at a range end is outside it', [del('a', 'c'), put('c')], undefined],
      ['overlapping deletes are fine (etcd)', [del('a', 'c'), del('b', 'd')], undefined],
      [
        'a from-key delete ("\\0") does not cover later puts (etcd)',
        [del('a', '\0'), put('b')],
        undefined,
      ],
      ['outer put, nested put (etcd)', [put('k'), txn([put('k')])], 'DuplicateKey'],
      ['nested then/else may put the same key (etcd)', [txn([put('k')], [put('k')])], undefined],
      ['outer put, nested delete (etcd)', [put('k'), txn([del('k')])], 'DuplicateKey'],
      ['outer delete, nested put (etcd)', [del('k'), txn([put('k')])], 'DuplicateKey'],
      [
        'two nested txns put the same key (etcd)',
        [txn([put('k')]), txn([], [put('k')])],
        'DuplicateKey',
      ],
      ['nested put before a nested delete (etcd)', [txn([put('k')]), txn([del('k')])], undefined],
      ['nested delete before a nested put', [txn([del('k')]), txn([put('k')])], 'DuplicateKey'],
      ['deep nesting is checked too', [put('k'), txn([txn([txn([put('k')])])])], 'DuplicateKey'],
      ['distinct keys', [put('a'), put('b'), del('c'), txn([put('d')])], undefined],
    ];
    for (const [what, ops, expected] of cases) {
      it(what, () => {
        assert.equal(code({ success: ops }), expected);
        assert.equal(code({ failure: ops }), expected);
      });
    }

    it('success and failure are checked apart: the same key in both is fine', () => {
      assert.equal(code({ success: [put('k')], failure: [put('k')] }), undefined);
    });
  });

  it('negative numbers are not refused: etcd accepts them', () => {
    assert.equal(validateRange({ key: b('a'), limit: -1, revision: -5 }), undefined);
    assert.equal(validateCommand({ compaction: { revision: -3 } }), undefined);
  });
});
