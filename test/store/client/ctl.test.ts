import assert from 'node:assert/strict';
import test from 'node:test';
import { prefixEnd } from '../../../store/client/ctl/commands.js';
import { parseTxn, TxnSyntaxError } from '../../../store/client/ctl/txn-syntax.js';
import { CompareResult, CompareTarget } from '../../../store/server/grpc/wire-types.js';

test('prefixEnd is the first key after every key with the prefix (etcd clientv3.GetPrefixRangeEnd)', () => {
  assert.deepEqual(prefixEnd(Buffer.from('abc')), Buffer.from('abd'));
  assert.deepEqual(prefixEnd(Buffer.from([0x61, 0xff])), Buffer.from([0x62]));
  assert.deepEqual(prefixEnd(Buffer.from([0xff, 0xff])), Buffer.from([0]));
});

test("ctl txn reads etcdctl's interactive syntax", () => {
  const t = parseTxn('value("a") = "1"\nmod("b") > "3"\n\nput a 2\nget "a b" c\n\ndel a\n\n');
  assert.equal(t.compare?.length, 2);
  assert.equal(t.compare?.[0]?.target, CompareTarget.VALUE);
  assert.equal(t.compare?.[0]?.result, CompareResult.EQUAL);
  assert.equal(t.compare?.[1]?.target, CompareTarget.MOD);
  assert.equal(t.compare?.[1]?.result, CompareResult.GREATER);
  assert.deepEqual(t.success?.[1], {
    request_range: { key: Buffer.from('a b'), range_end: Buffer.from('c') },
  });
  assert.deepEqual(t.failure, [{ request_delete_range: { key: Buffer.from('a') } }]);
  const noCompares = parseTxn('\nput x y\n\n');
  assert.equal(noCompares.compare?.length, 0);
  assert.equal(noCompares.success?.length, 1);
});

test('ctl txn refuses malformed input with a clear message', () => {
  assert.throws(() => parseTxn('value(a) == 1\n\n'), TxnSyntaxError);
  assert.throws(() => parseTxn('version("a") = "x"\n\n'), /must be an integer/);
  assert.throws(() => parseTxn('\nfrob a\n\n'), /unknown request/);
  assert.throws(() => parseTxn('\nput a\n\n'), /needs a key and a value/);
});
