// How the client-API protos load, and what the loader options make of each
// kind of field: the conventions every RPC handler relies on.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  clientProtos,
  findProtoDir,
  messageCodec,
  serviceNames,
} from '../../../../store/server/grpc/protos.js';
import type {
  KeyValue,
  RangeRequest,
  RequestOp,
  ResponseHeader,
  TxnRequest,
} from '../../../../store/server/grpc/wire-types.js';
import { CompareTarget, SortOrder } from '../../../../store/server/grpc/wire-types.js';

const repoRoot = join(fileURLToPath(import.meta.url), '..', '..', '..', '..', '..');

function roundTrip<Out, In>(fullName: string, value: Out): In {
  const codec = messageCodec<Out, In>(fullName);
  return codec.deserialize(codec.serialize(value));
}

test('the proto directory is found from the sources and from the build', () => {
  const expected = join(repoRoot, 'proto');
  assert.equal(findProtoDir(join(repoRoot, 'store', 'server', 'grpc')), expected);
  assert.equal(findProtoDir(join(repoRoot, 'dist', 'store', 'server', 'grpc')), expected);
  assert.equal(clientProtos().protoDir, expected);
  assert.throws(() => findProtoDir('/'), /no proto\/etcd\/etcdserverpb\/rpc\.proto/);
});

test('the protos load once', () => {
  assert.equal(clientProtos(), clientProtos());
});

test('every service has etcd method paths and stream shapes', () => {
  const p = clientProtos();
  const shape = (def: (typeof p)['KVService'], method: string) => {
    const m = def[method];
    assert.ok(m !== undefined, method);
    return `${m.path} ${m.requestStream ? 'stream' : 'unary'}→${m.responseStream ? 'stream' : 'unary'}`;
  };
  assert.equal(shape(p.KVService, 'Range'), '/etcdserverpb.KV/Range unary→unary');
  assert.equal(shape(p.KVService, 'Compact'), '/etcdserverpb.KV/Compact unary→unary');
  assert.equal(shape(p.WatchService, 'Watch'), '/etcdserverpb.Watch/Watch stream→stream');
  assert.equal(
    shape(p.LeaseService, 'LeaseKeepAlive'),
    '/etcdserverpb.Lease/LeaseKeepAlive stream→stream',
  );
  assert.equal(
    shape(p.MaintenanceService, 'Snapshot'),
    '/etcdserverpb.Maintenance/Snapshot unary→stream',
  );
  assert.equal(
    shape(p.ClusterService, 'MemberPromote'),
    '/etcdserverpb.Cluster/MemberPromote unary→unary',
  );
  assert.equal(
    shape(p.AuthService, 'RoleRevokePermission'),
    '/etcdserverpb.Auth/RoleRevokePermission unary→unary',
  );
  assert.equal(shape(p.LockService, 'Unlock'), '/v3lockpb.Lock/Unlock unary→unary');
  assert.equal(shape(p.ElectionService, 'Observe'), '/v3electionpb.Election/Observe unary→stream');
  assert.equal(shape(p.HealthService, 'Watch'), '/grpc.health.v1.Health/Watch unary→stream');
  assert.deepEqual(Object.keys(p.clients).sort(), Object.keys(serviceNames).sort());
  assert.equal(Object.keys(p.KVService).length, 5);
  assert.equal(Object.keys(p.MaintenanceService).length, 7);
  assert.equal(Object.keys(p.AuthService).length, 16);
});

test('int64 and uint64 decode as exact decimal strings; strings and safe numbers encode', () => {
  const header = roundTrip<ResponseHeader<'out'>, ResponseHeader<'in'>>(
    'etcdserverpb.ResponseHeader',
    {
      cluster_id: '18446744073709551615',
      member_id: '9007199254740993',
      revision: '-9223372036854775808',
      raft_term: 42,
    },
  );
  assert.deepEqual(header, {
    cluster_id: '18446744073709551615',
    member_id: '9007199254740993',
    revision: '-9223372036854775808',
    raft_term: '42',
  });
});

test('the int64 traps: a number above 2^53 is already rounded, a non-decimal string is 0', () => {
  // Why the server converts at one edge and validates first (docs/store-design.md).
  const decoded = roundTrip<ResponseHeader<'out'>, ResponseHeader<'in'>>(
    'etcdserverpb.ResponseHeader',
    { revision: 2 ** 53 + 1, raft_term: 'abc' }, // 2 ** 53 + 1 is 2 ** 53 in a double
  );
  assert.equal(decoded.revision, '9007199254740992');
  assert.equal(decoded.raft_term, '0');
});

test('bytes decode as Buffer; absent fields decode as zero values', () => {
  const kv = roundTrip<KeyValue<'out'>, KeyValue<'in'>>('mvccpb.KeyValue', {
    key: new Uint8Array([0x66, 0x00, 0xff]),
  });
  assert.ok(Buffer.isBuffer(kv.key) && Buffer.isBuffer(kv.value));
  assert.deepEqual(kv.key, Buffer.from([0x66, 0x00, 0xff]));
  assert.equal(kv.value.length, 0);
  assert.equal(kv.lease, '0');
  // The bytes trap: a string given for bytes is read as base64.
  const wrong = roundTrip<{ key: unknown }, KeyValue<'in'>>('mvccpb.KeyValue', { key: 'foo' });
  assert.deepEqual(wrong.key, Buffer.from('foo', 'base64'));
});

test('enums are numbers; absent messages are null; a oneof names its member', () => {
  const range = roundTrip<RangeRequest<'out'>, RangeRequest<'in'>>('etcdserverpb.RangeRequest', {
    sort_order: SortOrder.DESCEND,
  });
  assert.equal(range.sort_order, 2);
  assert.equal(range.sort_target, 0);

  const put = roundTrip<object, { header: unknown; prev_kv: unknown }>(
    'etcdserverpb.PutResponse',
    {},
  );
  assert.deepEqual(put, { header: null, prev_kv: null });

  const txn = roundTrip<TxnRequest<'out'>, TxnRequest<'in'>>('etcdserverpb.TxnRequest', {
    compare: [{ key: Buffer.from('k'), target: CompareTarget.MOD, mod_revision: '7' }],
    success: [{ request_put: { key: Buffer.from('k'), value: Buffer.from('v') } }],
  });
  const [compare] = txn.compare;
  assert.equal(compare?.target_union, 'mod_revision');
  if (compare?.target_union === 'mod_revision') assert.equal(compare.mod_revision, '7');
  assert.equal('version' in (compare ?? {}), false);
  const op: RequestOp<'in'> | undefined = txn.success[0];
  assert.equal(op?.request, 'request_put');
  if (op?.request === 'request_put') assert.deepEqual(op.request_put.value, Buffer.from('v'));
  assert.deepEqual(txn.failure, []);
});
