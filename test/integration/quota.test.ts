// The space quota, alarms and defragmentation on a real three-member
// cluster with a tiny --quota-backend-bytes, as etcd 3.4 behaves:
// writes until the member that received them refuses with NOSPACE and
// raises the alarm, which every member then lists (Alarm and Status);
// deletes still work; compaction + defragment shrink the database, and
// disarming lets writes in again. Alarms are replicated state: they survive
// a restart. A CORRUPT alarm refuses every write, not reads (etcd serves
// reads and read-only txns without its applier), until disarmed.

import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { after, before, describe, it } from 'node:test';
import {
  alarm as ctlAlarm,
  defrag as ctlDefrag,
} from '../../store/client/ctl/maintenance-commands.js';
import type { Ctx } from '../../store/client/ctl/commands.js';
import { clientProtos } from '../../store/server/grpc/protos.js';
import type * as w from '../../store/server/grpc/wire-types.js';
import { eventually, key, TestCluster } from './harness.js';

const quotaBytes = 256 * 1024;
const valueBytes = 8 * 1024;
const flags = { 'quota-backend-bytes': String(quotaBytes) };
const [GET, ACTIVATE, DEACTIVATE] = [0, 1, 2];
const [NOSPACE, CORRUPT] = [1, 2];

type Outcome<T> = { ok: true; res: T } | { ok: false; code: number; details: string };

/** One raw unary call: the status code as received, not as the typed client maps it. */
function rawCall<T>(
  endpoint: string,
  service: 'KV' | 'Maintenance' | 'Lease',
  method: string,
  req: object,
  timeoutMs = 10_000,
): Promise<Outcome<T>> {
  const Client = clientProtos().clients[service];
  const client = new Client(endpoint, grpc.credentials.createInsecure());
  type Fn = (
    r: object,
    o: grpc.CallOptions,
    cb: (e: grpc.ServiceError | null, res: T) => void,
  ) => void;
  const fn = (client as unknown as Record<string, Fn>)[method]!;
  return new Promise((resolve) =>
    fn.call(client, req, { deadline: Date.now() + timeoutMs }, (err, res) => {
      client.close();
      resolve(err ? { ok: false, code: err.code, details: err.details } : { ok: true, res });
    }),
  );
}

async function must<T>(p: Promise<Outcome<T>>): Promise<T> {
  const o = await p;
  if (!o.ok) assert.fail(`call failed: ${o.code} ${o.details}`);
  return o.res;
}

let cluster: TestCluster;
const ids = new Map<string, string>();

before(async () => {
  cluster = await TestCluster.start({ replicas: 3, extraFlags: flags });
  const list = await cluster.client('m1').memberList({});
  for (const m of list.members) ids.set(m.name, m.ID);
});
after(() => cluster?.close());

const ep = (name: string) => cluster.endpoint(name);
const put = (name: string, k: string, bytes = 3) =>
  rawCall(ep(name), 'KV', 'Put', { key: key(k), value: Buffer.alloc(bytes, 0x78) });
const alarms = (name: string) =>
  must<w.AlarmResponse<'in'>>(rawCall(ep(name), 'Maintenance', 'Alarm', { action: GET }));
const statusOf = (name: string) =>
  must<w.StatusResponse<'in'>>(rawCall(ep(name), 'Maintenance', 'Status', {}));
const alarm = (name: string, action: number, memberID: string, type: number) =>
  must<w.AlarmResponse<'in'>>(
    rawCall(ep(name), 'Maintenance', 'Alarm', { action, memberID, alarm: type }),
  );

/** Deactivates every listed alarm, as `etcdctl alarm disarm` does. */
async function disarmAll(): Promise<void> {
  for (const a of (await alarms('m1')).alarms) await alarm('m1', DEACTIVATE, a.memberID, a.alarm);
  assert.deepEqual((await alarms('m1')).alarms, []);
}

const noSpace = {
  code: grpc.status.RESOURCE_EXHAUSTED,
  details: 'etcdserver: mvcc: database space exceeded',
};
const corrupt = { code: grpc.status.DATA_LOSS, details: 'etcdserver: corrupt cluster' };

function refusal(o: Outcome<unknown>) {
  return o.ok ? { ok: true } : { code: o.code, details: o.details };
}

describe('space quota', () => {
  it('writes until NOSPACE; the alarm is listed everywhere; deletes pass; compaction + defrag + disarm let writes in', async (t) => {
    let written = 0;
    let refused: Outcome<unknown> | undefined;
    while (refused === undefined) {
      const o = await put('m1', `fill/${written}`, valueBytes);
      if (o.ok) written++;
      else refused = o;
      assert.ok(written < (4 * quotaBytes) / valueBytes, 'the quota never refused a write');
    }
    t.diagnostic(`${written} puts of ${valueBytes} bytes before NOSPACE (quota ${quotaBytes})`);
    assert.deepEqual(refusal(refused), noSpace);

    // The alarm of the member that refused is raised before the refusal is answered.
    const m1Alarm = `memberID:${ids.get('m1')} alarm:NOSPACE `;
    assert.ok(
      (await alarms('m1')).alarms.some((a) => a.memberID === ids.get('m1') && a.alarm === NOSPACE),
    );
    for (const name of cluster.names()) {
      await eventually(
        async () => {
          const listed = (await alarms(name)).alarms;
          assert.ok(listed.some((a) => a.memberID === ids.get('m1') && a.alarm === NOSPACE));
          assert.ok((await statusOf(name)).errors.includes(m1Alarm));
        },
        5000,
        `${name} listing the NOSPACE alarm`,
      );
      // Every member refuses puts and lease grants now, whatever its own size.
      assert.deepEqual(refusal(await put(name, 'small')), noSpace);
      const grant = await rawCall(ep(name), 'Lease', 'LeaseGrant', { TTL: 10 });
      assert.deepEqual(refusal(grant), noSpace);
    }

    // Deletes, reads and compaction are allowed.
    const del = await must<w.DeleteRangeResponse<'in'>>(
      rawCall(ep('m2'), 'KV', 'DeleteRange', { key: key('fill/'), range_end: key('fill0') }),
    );
    assert.equal(Number(del.deleted), written);
    const before = await statusOf('m1');
    await must(
      rawCall(ep('m1'), 'KV', 'Compact', { revision: before.header!.revision, physical: true }),
    );
    for (const name of cluster.names()) {
      await must(rawCall(ep(name), 'Maintenance', 'Defragment', {}, 60_000));
    }
    for (const name of cluster.names()) {
      const st = await statusOf(name);
      t.diagnostic(`${name}: dbSize ${st.dbSize} after defragment`);
      assert.ok(Number(st.dbSize) < quotaBytes / 4, `${name}'s database shrank (${st.dbSize})`);
    }
    // The alarm stays until disarmed.
    assert.deepEqual(refusal(await put('m1', 'small')), noSpace);
    await disarmAll();
    for (const name of cluster.names()) {
      await eventually(
        async () => assert.deepEqual(refusal(await put(name, `after/${name}`)), { ok: true }),
        5000,
        `a put on ${name} after disarming`,
      );
      assert.deepEqual((await statusOf(name)).errors, []);
    }
  });

  it('alarms survive a restart of the whole cluster', async () => {
    await alarm('m2', ACTIVATE, ids.get('m2')!, NOSPACE);
    for (const name of cluster.names()) await cluster.kill(name);
    for (const name of cluster.names()) cluster.launch(cluster.member(name), flags);
    await cluster.waitForLeader();
    for (const name of cluster.names()) {
      await eventually(
        async () => {
          const listed = (await alarms(name)).alarms;
          assert.deepEqual(listed, [{ memberID: ids.get('m2'), alarm: NOSPACE }]);
        },
        10_000,
        `${name} listing the alarm after the restart`,
      );
      assert.deepEqual(refusal(await put(name, 'small')), noSpace);
    }
    await disarmAll();
    await eventually(
      async () => assert.deepEqual(refusal(await put('m3', 'small')), { ok: true }),
      5000,
      'a put after disarming',
    );
  });

  it('CORRUPT refuses writes, compactions and deletes but serves reads, until disarmed', async () => {
    await must(put('m1', 'c', 1));
    await alarm('m3', ACTIVATE, '0', CORRUPT);
    for (const name of cluster.names()) {
      await eventually(
        async () => assert.ok((await statusOf(name)).errors.includes('alarm:CORRUPT ')),
        5000,
        `${name} listing the CORRUPT alarm`,
      );
      assert.deepEqual(refusal(await put(name, 'c')), corrupt);
      const read = await must<w.RangeResponse<'in'>>(
        rawCall(ep(name), 'KV', 'Range', { key: key('c') }),
      );
      assert.equal(read.kvs.length, 1);
      const serializable = await must<w.RangeResponse<'in'>>(
        rawCall(ep(name), 'KV', 'Range', { key: key('c'), serializable: true }),
      );
      assert.equal(serializable.kvs.length, 1);
    }
    assert.deepEqual(
      refusal(await rawCall(ep('m2'), 'KV', 'DeleteRange', { key: key('c') })),
      corrupt,
    );
    assert.deepEqual(refusal(await rawCall(ep('m2'), 'KV', 'Compact', { revision: 2 })), corrupt);
    const readOnlyTxn = await rawCall(ep('m2'), 'KV', 'Txn', {
      success: [{ request_range: { key: key('c') } }],
    });
    assert.equal(readOnlyTxn.ok, true, 'a read-only txn is served');
    await disarmAll();
    assert.deepEqual(refusal(await put('m2', 'c')), { ok: true });
  });

  it('capstan ctl: alarm list, alarm disarm and defrag print what etcdctl prints', async () => {
    const ctx = (out: Ctx['out']): Ctx => ({
      client: cluster.client('m1'),
      endpoints: [ep('m1'), ep('m2')],
      out,
    });
    assert.equal(await ctlAlarm(ctx('simple'), ['list']), '');
    await alarm('m1', ACTIVATE, ids.get('m3')!, NOSPACE);
    const line = `memberID:${ids.get('m3')} alarm:NOSPACE `;
    assert.equal(await ctlAlarm(ctx('simple'), ['list']), line);
    assert.deepEqual(JSON.parse(await ctlAlarm(ctx('json'), ['list'])), {
      alarms: [{ memberID: ids.get('m3'), alarm: NOSPACE }],
    });
    await assert.rejects(ctlAlarm(ctx('table'), ['list']), {
      message: 'table not supported as output format',
    });
    assert.equal(await ctlAlarm(ctx('simple'), ['disarm']), line);
    assert.equal(await ctlAlarm(ctx('simple'), ['disarm']), '');
    assert.equal(
      await ctlDefrag(ctx('simple'), [], {}),
      [
        `Finished defragmenting etcd member[${ep('m1')}]`,
        `Finished defragmenting etcd member[${ep('m2')}]`,
      ].join('\n'),
    );
    const all = await ctlDefrag(ctx('simple'), [], { cluster: true });
    assert.equal(all.split('\n').length, 3);
    assert.match(all, /^(Finished defragmenting etcd member\[http:\/\/127\.0\.0\.1:\d+\]\n?){3}$/);
  });
});
