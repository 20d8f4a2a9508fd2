// How the typed client crosses the wire: int64s as bigints without loss or
// wrap-around, key ranges as etcd's client computes them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Int64RangeError,
  int64In,
  int64Out,
  keyRange,
  parseHexId,
  prefixEnd,
  rangeRequest,
  uint64Out,
} from '../../../store/client/index.js';

test('int64s cross as exact decimal strings; out-of-range and unsafe numbers are refused', () => {
  const big = 2n ** 60n + 1n;
  assert.equal(int64Out(big), '1152921504606846977');
  assert.equal(int64In('1152921504606846977'), big);
  assert.equal(int64In('-9223372036854775808'), -(2n ** 63n));
  assert.equal(int64Out(2n ** 63n - 1n), '9223372036854775807');
  assert.throws(() => int64Out(2n ** 63n), Int64RangeError);
  assert.throws(
    () => int64Out(2 ** 60),
    Int64RangeError,
    'a number above 2^53 may already be rounded',
  );
  assert.equal(uint64Out(2n ** 64n - 1n), '18446744073709551615');
  assert.throws(() => uint64Out(-1n), Int64RangeError);
  assert.equal(parseHexId('ffffffffffffffff'), 2n ** 64n - 1n);
  assert.throws(() => parseHexId('0x12'), Int64RangeError);
  assert.throws(() => parseHexId('1'.repeat(17)), Int64RangeError);
});

test('key ranges as etcd computes them', () => {
  assert.deepEqual(prefixEnd(Buffer.from('abc')), Buffer.from('abd'));
  assert.deepEqual(prefixEnd(Buffer.from([0x61, 0xff])), Buffer.from([0x62]));
  assert.deepEqual(prefixEnd(Buffer.from([0xff])), Buffer.from([0]));
  assert.deepEqual(keyRange('a/', { prefix: true }), {
    key: Buffer.from('a/'),
    range_end: Buffer.from('a0'),
  });
  assert.deepEqual(keyRange('', { prefix: true }), {
    key: Buffer.from([0]),
    range_end: Buffer.from([0]),
  });
  assert.deepEqual(keyRange('k', { fromKey: true }), {
    key: Buffer.from('k'),
    range_end: Buffer.from([0]),
  });
  assert.deepEqual(keyRange(new Uint8Array([1, 2])), { key: Buffer.from([1, 2]) });
  assert.throws(() => keyRange('k', { prefix: true, rangeEnd: 'z' }), TypeError);
  const r = rangeRequest('k', { sort: { target: 'create' }, revision: 2n ** 55n, limit: 1 });
  assert.deepEqual(
    [r.sort_target, r.sort_order, r.revision, r.limit],
    [2, 1, '36028797018963968', '1'],
  );
});
