import assert from 'node:assert/strict';
import test from 'node:test';
import { validateTxn } from '../../../store/mvcc/index.js';
import { SortOrder, SortTarget } from '../../../store/server/grpc/wire-types.js';
import {
  idIn,
  idOut,
  leaseOut,
  rangeIn,
  revisionIn,
  txnIn,
  WireValueError,
} from '../../../store/server/wire.js';

test('int64 revisions from the wire never lose precision downward: beyond 2^53 they stay "in the future"', () => {
  assert.equal(revisionIn('42'), 42);
  assert.equal(revisionIn('-3'), -3);
  assert.equal(revisionIn('9007199254740991'), Number.MAX_SAFE_INTEGER);
  assert.equal(
    revisionIn('9007199254740993'),
    Number.MAX_SAFE_INTEGER,
    'saturates, never rounds down',
  );
  assert.equal(revisionIn('9223372036854775807'), Number.MAX_SAFE_INTEGER);
});

test('ids are exact bigints both ways, uint64 for members and int64 for leases', () => {
  assert.equal(idIn('18446744073709551615'), 2n ** 64n - 1n);
  assert.equal(idOut(2n ** 64n - 1n), '18446744073709551615');
  assert.equal(idOut(9007199254740993n), '9007199254740993');
  assert.equal(leaseOut(-1n), '-1');
  assert.equal(leaseOut(2n ** 63n - 1n), '9223372036854775807');
});

test('an enum value etcd does not define: a sort order means no sort, as in etcd; a sort target is refused', () => {
  const base = {
    key: Buffer.from('k'),
    range_end: Buffer.alloc(0),
    limit: '0',
    revision: '0',
    sort_order: SortOrder.NONE,
    sort_target: SortTarget.KEY,
    serializable: false,
    keys_only: false,
    count_only: false,
    min_mod_revision: '0',
    max_mod_revision: '0',
    min_create_revision: '0',
    max_create_revision: '0',
  };
  assert.equal(rangeIn(base).sortTarget, 'key');
  // etcd 3.4 sorts only for ASCEND and DESCEND: any other order leaves key order.
  const unknownOrder = rangeIn({ ...base, sort_order: 7 as 0, sort_target: SortTarget.VALUE });
  assert.equal(unknownOrder.sortOrder, 'none');
  assert.equal(unknownOrder.sortTarget, 'key');
  // etcd would sort with no comparator and crash; capstan refuses.
  assert.throws(() => rangeIn({ ...base, sort_target: 9 as 0 }), WireValueError);
  assert.throws(() => rangeIn({ ...base, sort_target: 9 as 0 }), /invalid sort target 9/);
});

test('a txn operation that holds no request is answered "key not found", as etcd checks it', () => {
  const t = txnIn({ compare: [], success: [{} as never], failure: [] });
  assert.equal(validateTxn(t)?.code, 'KeyNotFound');
});
