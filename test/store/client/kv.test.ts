// The typed client's KV, cluster and maintenance calls against real etcd
// 3.4 and against capstan: the same test body for both targets.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CompactedError,
  DuplicateKeyError,
  FutureRevisionError,
  LeaseNotFoundError,
  TooManyOpsError,
  EmptyKeyError,
  compare,
  op,
  type Client,
} from '../../../store/client/index.js';
import { etcdctl } from '../server/grpc/etcdctl.js';
import {
  etcdctlBin,
  skipReason,
  startTarget,
  str,
  type ClientTarget,
  type TargetKind,
} from './fixtures.js';

const targets: TargetKind[] = ['etcd', 'capstan'];
const keys = (kvs: { key: Buffer }[]): string[] => kvs.map((kv) => kv.key.toString());

for (const kind of targets) {
  describe(`KV against ${kind}`, { skip: skipReason(kind) }, () => {
    let t: ClientTarget;
    let c: Client;
    before(async () => {
      t = await startTarget(kind, { members: 1 });
      c = t.client();
    });
    after(() => t?.close());

    test('put and get with every range option', async () => {
      const r1 = await c.put('kv/a', '1');
      await c.put('kv/b', Buffer.from('22'));
      await c.put('kv/c', new Uint8Array([0x33, 0x33, 0x33]));
      await c.put('kv/a', '11');
      const last = await c.put('kw', 'x', { prevKv: true });
      assert.equal(last.prevKv, undefined);

      const a = (await c.get('kv/a')).kvs[0]!;
      assert.equal(str(a.value), '11');
      assert.equal(a.version, 2n);
      assert.equal(a.createRevision, r1.header.revision);
      assert.ok(a.modRevision > a.createRevision);
      assert.equal(str(await c.getValue('kv/b')), '22');
      assert.equal(await c.getValue('kv/none'), undefined);

      assert.deepEqual(keys((await c.get('kv/', { prefix: true })).kvs), ['kv/a', 'kv/b', 'kv/c']);
      assert.deepEqual(keys((await c.get('kv/b', { fromKey: true })).kvs), ['kv/b', 'kv/c', 'kw']);
      assert.deepEqual(keys((await c.get('kv/a', { rangeEnd: 'kv/c' })).kvs), ['kv/a', 'kv/b']);
      const limited = await c.get('kv/', { prefix: true, limit: 2 });
      assert.deepEqual(
        [keys(limited.kvs), limited.more, limited.count],
        [['kv/a', 'kv/b'], true, 3n],
      );
      const byValue = await c.get('kv/', {
        prefix: true,
        sort: { target: 'value', order: 'descend' },
      });
      assert.deepEqual(keys(byValue.kvs), ['kv/c', 'kv/b', 'kv/a']);
      const byMod = await c.get('kv/', { prefix: true, sort: { target: 'mod' } });
      assert.deepEqual(keys(byMod.kvs), ['kv/b', 'kv/c', 'kv/a']);
      const keysOnly = await c.get('kv/', { prefix: true, keysOnly: true });
      assert.equal(keysOnly.kvs[0]!.value.length, 0);
      const countOnly = await c.get('kv/', { prefix: true, countOnly: true });
      assert.deepEqual([countOnly.kvs.length, countOnly.count], [0, 3n]);
      const old = await c.get('kv/a', { revision: r1.header.revision });
      assert.equal(str(old.kvs[0]!.value), '1');
      const serial = await c.get('kv/a', { serializable: true });
      assert.equal(str(serial.kvs[0]!.value), '11');
      const recent = await c.get('kv/', { prefix: true, minModRevision: r1.header.revision + 1n });
      assert.deepEqual(keys(recent.kvs), ['kv/a', 'kv/b', 'kv/c']);
      const early = await c.get('kv/', {
        prefix: true,
        maxCreateRevision: r1.header.revision + 1n,
      });
      assert.deepEqual(keys(early.kvs), ['kv/a', 'kv/b']);
      const late = await c.get('kv/', {
        prefix: true,
        minCreateRevision: r1.header.revision + 1n,
        maxModRevision: r1.header.revision + 2n,
      });
      assert.deepEqual(keys(late.kvs), ['kv/b', 'kv/c']);
      assert.equal((await c.get('', { prefix: true, countOnly: true })).count, 4n);
    });

    test('put options: prevKv, ignoreValue; delete with prefix and prevKv', async () => {
      await c.put('p/x', 'one');
      const p = await c.put('p/x', 'two', { prevKv: true });
      assert.equal(str(p.prevKv?.value), 'one');
      await c.put('p/x', '', { ignoreValue: true });
      assert.equal(str(await c.getValue('p/x')), 'two');
      await c.put('p/y', 'y');
      const d = await c.delete('p/', { prefix: true, prevKv: true });
      assert.equal(d.deleted, 2n);
      assert.deepEqual(keys(d.prevKvs), ['p/x', 'p/y']);
      assert.equal((await c.delete('p/nothing')).deleted, 0n);
    });

    test('txn: compares on value, version, create, mod and lease; then, else and nested txns', async () => {
      const put = await c.put('t/k', 'v1');
      const rev = put.header.revision;
      const ok = await c.txn({
        if: [
          compare.value('t/k', '=', 'v1'),
          compare.version('t/k', '=', 1),
          compare.createRevision('t/k', '=', rev),
          compare.modRevision('t/k', '<', rev + 1n),
          compare.lease('t/k', '=', 0),
        ],
        then: [
          op.put('t/k', 'v2'),
          op.get('t/k'),
          op.txn([compare.version('t/none', '=', 0)], [op.put('t/n', 'n')]),
          op.delete('t/none'),
        ],
        else: [op.get('t/k')],
      });
      assert.equal(ok.succeeded, true);
      assert.deepEqual(
        ok.responses.map((r) => r.type),
        ['put', 'range', 'txn', 'delete'],
      );
      const got = ok.responses[1]!;
      assert.equal(got.type === 'range' && str(got.range.kvs[0]?.value), 'v2');
      const nested = ok.responses[2]!;
      assert.equal(nested.type === 'txn' && nested.txn.succeeded, true);
      assert.equal(str(await c.getValue('t/n')), 'n');
      const failed = await c.txn({
        if: [compare.value('t/k', '!=', 'v2')],
        then: [op.put('t/k', 'nope')],
        else: [op.get('t/', { prefix: true, countOnly: true })],
      });
      assert.equal(failed.succeeded, false);
      const count = failed.responses[0]!;
      assert.equal(count.type === 'range' && count.range.count, 2n);
      assert.equal(str(await c.getValue('t/k')), 'v2');
      const anyOld = await c.txn({ if: [compare.version('t/', '>', 0, { prefix: true })] });
      assert.equal(anyOld.succeeded, true);
    });

    test('errors come back typed: compacted, future revision, unknown lease, too many ops, duplicate key, empty key', async () => {
      const r = await c.put('e/k', '1');
      await c.put('e/k', '2');
      await c.compact(r.header.revision + 1n);
      await assert.rejects(c.get('e/k', { revision: r.header.revision }), CompactedError);
      await assert.rejects(c.get('e/k', { revision: 2n ** 62n }), FutureRevisionError);
      await assert.rejects(c.put('e/k', 'v', { lease: 2n ** 60n }), LeaseNotFoundError);
      const many = Array.from({ length: 129 }, (_, i) => op.put(`e/${i}`, 'v'));
      await assert.rejects(c.txn({ then: many }), TooManyOpsError);
      await assert.rejects(
        c.txn({ then: [op.put('e/d', '1'), op.put('e/d', '2')] }),
        DuplicateKeyError,
      );
      await assert.rejects(c.put('', 'v'), EmptyKeyError);
    });

    test('int64 ids come back exact: member and cluster ids (random uint64) match etcdctl', async (ctx) => {
      const members = await c.memberList();
      const status = await c.status();
      assert.equal(members.members.length, 1);
      const id = members.members[0]!.id;
      assert.equal(status.header.memberId, id);
      assert.equal(status.leader, id);
      assert.equal(members.header.clusterId, status.header.clusterId);
      ctx.diagnostic(`member id ${id} (${id > 2n ** 53n ? 'above' : 'below'} 2^53)`);
      if (etcdctlBin !== undefined) {
        const out = await etcdctl(etcdctlBin, t.endpoints()[0]!, ['member', 'list']);
        assert.equal(out.stdout.split(',')[0], id.toString(16));
      }
    });

    test('maintenance: status, hashKV, alarms, snapshot', async () => {
      const s = await c.status({ endpoint: t.endpoints()[0] });
      assert.match(s.version, /^3\.4\./);
      assert.ok(s.raftIndex > 0n && s.raftTerm > 0n);
      const h = await c.hashKV();
      assert.equal(typeof h.hash, 'number');
      assert.deepEqual(await c.alarms(), []);
      let bytes = 0;
      for await (const chunk of c.snapshot()) bytes += chunk.length;
      assert.ok(bytes > 0);
    });
  });
}
