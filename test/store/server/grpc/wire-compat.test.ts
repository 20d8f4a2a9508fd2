// The client-facing protos speak etcd's wire: the real etcdctl 3.4, talking
// to grpc-js services with fixed answers, decodes every 64-bit field exactly
// (values above 2^53, uint64 at its maximum) and sends its flags as the
// request fields etcd expects. Errors print exactly as real etcd's do.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import { etcdError, toServiceError } from '../../../../store/errors.js';
import { clientProtos } from '../../../../store/server/grpc/protos.js';
import type {
  ClusterHandlers,
  KVHandlers,
  MaintenanceHandlers,
  ResponseHeader,
} from '../../../../store/server/grpc/wire-types.js';
import { SortOrder, SortTarget } from '../../../../store/server/grpc/wire-types.js';
import { errorLine, etcdctl, findOnPath } from './etcdctl.js';
import { startGrpcServer, type TestServer } from './grpc-server.js';
import { at, parseLosslessJson } from './lossless-json.js';
import { startRealEtcd } from './real-etcd.js';

const etcdctlBin = findOnPath('etcdctl');
const etcdBin = findOnPath('etcd');

// Distinct values, all beyond Number.MAX_SAFE_INTEGER, so that a rounded or
// swapped field cannot pass.
const v = {
  clusterId: '18446744073709551615', // uint64 max
  memberId: '18446744073709551557',
  revision: '9007199254740993', // 2^53 + 1
  raftTerm: '9007199254740995',
  createRevision: '9007199254740997',
  modRevision: '9223372036854775807', // int64 max
  version: '9007199254740999',
  lease: '7205759403792793601',
  dbSize: '9007199254741001',
  raftIndex: '18446744073709551613',
  raftAppliedIndex: '18446744073709551611',
  dbSizeInUse: '9007199254741003',
  learnerId: '9007199254740993',
  compactRevision: '9007199254741005',
  hash: 4294967295, // uint32 max
} as const;

const header: ResponseHeader<'out'> = {
  cluster_id: v.clusterId,
  member_id: v.memberId,
  revision: v.revision,
  raft_term: v.raftTerm,
};

/** The request each stub method received last. */
const received = new Map<string, unknown>();

function unary<Req, Res>(name: string, answer: (req: Req) => Res): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    received.set(name, call.request);
    try {
      callback(null, answer(call.request));
    } catch (err) {
      callback(toServiceError(err));
    }
  };
}

const kv: Pick<KVHandlers, 'Range' | 'Put'> = {
  Range: unary('Range', (req) => {
    if (req.revision === '1') throw etcdError('Compacted');
    return {
      header,
      kvs: [
        {
          key: Buffer.from('foo'),
          value: Buffer.from('bar'),
          create_revision: v.createRevision,
          mod_revision: v.modRevision,
          version: v.version,
          lease: v.lease,
        },
      ],
      count: 1,
    };
  }),
  Put: unary('Put', () => ({ header })),
};

const maintenance: Pick<MaintenanceHandlers, 'Status' | 'HashKV'> = {
  Status: unary('Status', () => ({
    header,
    version: '3.4.23',
    dbSize: v.dbSize,
    leader: v.memberId,
    raftIndex: v.raftIndex,
    raftTerm: v.raftTerm,
    raftAppliedIndex: v.raftAppliedIndex,
    dbSizeInUse: v.dbSizeInUse,
  })),
  HashKV: unary('HashKV', () => ({ header, hash: v.hash, compact_revision: v.compactRevision })),
};

const members = [
  {
    ID: v.clusterId,
    name: 'capstan-1',
    peerURLs: ['http://127.0.0.1:2380'],
    clientURLs: ['http://127.0.0.1:2379'],
  },
  { ID: v.learnerId, name: '', peerURLs: ['http://127.0.0.1:2381'], isLearner: true },
];

const cluster: Pick<ClusterHandlers, 'MemberList' | 'MemberRemove'> = {
  MemberList: unary('MemberList', () => ({ header, members })),
  MemberRemove: unary('MemberRemove', () => ({ header, members })),
};

const headerJson = (json: ReturnType<typeof parseLosslessJson>, ...path: (string | number)[]) => ({
  cluster_id: at(json, ...path, 'header', 'cluster_id'),
  member_id: at(json, ...path, 'header', 'member_id'),
  revision: at(json, ...path, 'header', 'revision'),
  raft_term: at(json, ...path, 'header', 'raft_term'),
});

const expectedHeader = {
  cluster_id: BigInt(v.clusterId),
  member_id: BigInt(v.memberId),
  revision: BigInt(v.revision),
  raft_term: BigInt(v.raftTerm),
};

describe('etcdctl 3.4 against stub services', () => {
  let stub: TestServer | undefined;
  const ctl = async (...args: string[]) => {
    assert.ok(etcdctlBin !== undefined && stub !== undefined);
    return etcdctl(etcdctlBin, stub.endpoint, args);
  };
  const ctlJson = async (...args: string[]) => {
    const out = await ctl(...args, '-w', 'json');
    assert.equal(out.exitCode, 0, out.stderr);
    return parseLosslessJson(out.stdout);
  };

  before(async () => {
    if (etcdctlBin === undefined) return;
    const p = clientProtos();
    stub = await startGrpcServer([
      [p.KVService, kv],
      [p.MaintenanceService, maintenance],
      [p.ClusterService, cluster],
    ]);
  });
  after(async () => stub?.close());

  test('get: every int64 of the header and the key-value arrives exactly', async (t) => {
    if (etcdctlBin === undefined) return t.skip('etcdctl not installed');
    const json = await ctlJson('get', 'foo');
    assert.deepEqual(headerJson(json), expectedHeader);
    assert.deepEqual(at(json, 'kvs', 0), {
      key: Buffer.from('foo').toString('base64'),
      value: Buffer.from('bar').toString('base64'),
      create_revision: BigInt(v.createRevision),
      mod_revision: BigInt(v.modRevision),
      version: BigInt(v.version),
      lease: BigInt(v.lease),
    });
    assert.equal(at(json, 'count'), 1n);
  });

  test('get: flags arrive as the RangeRequest fields etcd defines', async (t) => {
    if (etcdctlBin === undefined) return t.skip('etcdctl not installed');
    const args = ['foo', '--prefix', '--limit', '5', '--rev', '7', '--keys-only'];
    await ctlJson('get', ...args, '--sort-by=MODIFY', '--order=DESCEND');
    const req = received.get('Range') as Record<string, unknown>;
    assert.deepEqual(req['key'], Buffer.from('foo'));
    assert.deepEqual(req['range_end'], Buffer.from('fop')); // prefix end: last byte + 1
    assert.equal(req['limit'], '5');
    assert.equal(req['revision'], '7');
    assert.equal(req['sort_target'], SortTarget.MOD);
    assert.equal(req['sort_order'], SortOrder.DESCEND);
    assert.equal(req['keys_only'], true);
    assert.equal(req['count_only'], false);
    assert.equal(req['serializable'], false);
  });

  test('get --rev above 2^53 arrives as the exact decimal string', async (t) => {
    if (etcdctlBin === undefined) return t.skip('etcdctl not installed');
    await ctlJson('get', 'foo', '--rev', '9007199254740993', '--consistency=s');
    const req = received.get('Range') as Record<string, unknown>;
    assert.equal(req['revision'], '9007199254740993');
    assert.equal(req['serializable'], true);
  });

  test('put: key, value and a 64-bit lease id (given in hex) arrive exactly', async (t) => {
    if (etcdctlBin === undefined) return t.skip('etcdctl not installed');
    const json = await ctlJson('put', 'foo', 'bar', '--lease=7fffffffffffffff', '--prev-kv');
    assert.deepEqual(headerJson(json), expectedHeader);
    const req = received.get('Put') as Record<string, unknown>;
    assert.deepEqual(req['key'], Buffer.from('foo'));
    assert.deepEqual(req['value'], Buffer.from('bar'));
    assert.equal(req['lease'], '9223372036854775807');
    assert.equal(req['prev_kv'], true);
  });

  test('endpoint status: uint64 leader, raft index and term, int64 sizes', async (t) => {
    if (etcdctlBin === undefined) return t.skip('etcdctl not installed');
    const json = await ctlJson('endpoint', 'status');
    assert.equal(at(json, 0, 'Endpoint'), stub?.endpoint);
    assert.deepEqual(headerJson(json, 0, 'Status'), expectedHeader);
    const status = (field: string) => at(json, 0, 'Status', field);
    assert.equal(status('version'), '3.4.23');
    assert.equal(status('dbSize'), BigInt(v.dbSize));
    assert.equal(status('leader'), BigInt(v.memberId));
    assert.equal(status('raftIndex'), BigInt(v.raftIndex));
    assert.equal(status('raftTerm'), BigInt(v.raftTerm));
    assert.equal(status('raftAppliedIndex'), BigInt(v.raftAppliedIndex));
    assert.equal(status('dbSizeInUse'), BigInt(v.dbSizeInUse));
  });

  test('endpoint status, table form: member ids print as hex, leader is recognised', async (t) => {
    if (etcdctlBin === undefined) return t.skip('etcdctl not installed');
    const out = await ctl('endpoint', 'status', '-w', 'simple');
    assert.equal(out.exitCode, 0, out.stderr);
    const fields = out.stdout.trim().split(', ');
    assert.equal(fields[1], BigInt(v.memberId).toString(16));
    assert.equal(fields[4], 'true'); // IS LEADER: leader == header.member_id
  });

  test('member list: uint64 member ids at the maximum arrive exactly', async (t) => {
    if (etcdctlBin === undefined) return t.skip('etcdctl not installed');
    const json = await ctlJson('member', 'list');
    assert.deepEqual(headerJson(json), expectedHeader);
    assert.equal(at(json, 'members', 0, 'ID'), BigInt(v.clusterId));
    assert.equal(at(json, 'members', 0, 'name'), 'capstan-1');
    assert.deepEqual(at(json, 'members', 0, 'clientURLs'), ['http://127.0.0.1:2379']);
    assert.equal(at(json, 'members', 1, 'ID'), BigInt(v.learnerId));
    assert.equal(at(json, 'members', 1, 'isLearner'), true);
    const table = await ctl('member', 'list');
    assert.match(table.stdout, /^ffffffffffffffff, started, capstan-1, /m);
    assert.match(
      table.stdout,
      /^20000000000001, unstarted, , http:\/\/127\.0\.0\.1:2381, , true$/m,
    );
  });

  test('member remove: a uint64 id given in hex arrives as its decimal string', async (t) => {
    if (etcdctlBin === undefined) return t.skip('etcdctl not installed');
    const out = await ctl('member', 'remove', 'ffffffffffffffff');
    assert.equal(out.exitCode, 0, out.stderr);
    assert.deepEqual(received.get('MemberRemove'), { ID: '18446744073709551615' });
  });

  test('endpoint hashkv: uint32 hash and int64 compact revision', async (t) => {
    if (etcdctlBin === undefined) return t.skip('etcdctl not installed');
    const json = await ctlJson('endpoint', 'hashkv', '--rev', '9007199254740993');
    assert.deepEqual(headerJson(json, 0, 'HashKV'), expectedHeader);
    assert.equal(at(json, 0, 'HashKV', 'hash'), BigInt(v.hash));
    assert.equal(at(json, 0, 'HashKV', 'compact_revision'), BigInt(v.compactRevision));
    assert.deepEqual(received.get('HashKV'), { revision: '9007199254740993' });
  });

  test('a Compacted error prints exactly as real etcd prints it', async (t) => {
    if (etcdctlBin === undefined) return t.skip('etcdctl not installed');
    const ours = await ctl('get', 'foo', '--rev', '1');
    assert.equal(ours.exitCode, 1);
    assert.equal(
      errorLine(ours.stderr),
      'Error: etcdserver: mvcc: required revision has been compacted',
    );
    if (etcdBin === undefined) return t.skip('etcd not installed: no comparison with real etcd');
    const real = await startRealEtcd(etcdBin, etcdctlBin);
    try {
      const on = (...args: string[]) => etcdctl(etcdctlBin, real.endpoint, args);
      for (const value of ['a', 'b', 'c'])
        assert.equal((await on('put', 'foo', value)).exitCode, 0);
      assert.equal((await on('compact', '3')).exitCode, 0);
      const theirs = await on('get', 'foo', '--rev', '1');
      assert.equal(ours.exitCode, theirs.exitCode);
      assert.equal(errorLine(ours.stderr), errorLine(theirs.stderr));
      assert.equal(ours.stdout, theirs.stdout);
    } finally {
      await real.stop();
    }
  });
});
