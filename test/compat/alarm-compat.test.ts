// etcdctl 3.4 drives real etcd 3.4 and capstan, both started with the same
// tiny --quota-backend-bytes, through the alarm session (alarm-session.ts):
// after normalization (normalize.ts) every command must print the same and
// exit with the same code. Skipped when etcd or etcdctl is not installed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findOnPath } from '../store/server/grpc/etcdctl.js';
import { alarmQuotaBytes, alarmSession } from './alarm-session.js';
import { ctlTitle, normalizeCtl, normalizeGrpc, type Facts } from './normalize.js';
import { runSession, Session, type StepRecord } from './session.js';
import { startCapstanTarget, startEtcdTarget, type TargetKind } from './targets.js';

const etcdBin = findOnPath('etcd');
const etcdctlBin = findOnPath('etcdctl');

interface Run {
  records: StepRecord[];
  facts: Facts;
}

async function runOn(kind: TargetKind): Promise<Run> {
  const o = {
    members: 1,
    maxRequestBytes: 1024 * 1024,
    flags: { 'quota-backend-bytes': String(alarmQuotaBytes) },
  };
  const target =
    kind === 'etcd' ? await startEtcdTarget(etcdBin!, etcdctlBin!, o) : await startCapstanTarget(o);
  const s = new Session(target, etcdctlBin!);
  try {
    await s.learnIds();
    const records = await runSession(s, alarmSession());
    const ids = new Map<bigint, string>([[s.clusterId, 'cluster']]);
    for (const [name, id] of s.ids) ids.set(id, name);
    return { records, facts: { ids, ports: target.ports(), dir: target.dir } };
  } finally {
    s.close();
    await target.close();
  }
}

function rendered(rec: StepRecord, facts: Facts): { title: string; text: string } {
  if (rec.kind === 'ctl') return { title: ctlTitle(rec, facts), text: normalizeCtl(rec, facts) };
  return { title: `gRPC ${rec.title}`, text: normalizeGrpc(rec, facts) };
}

test('etcdctl 3.4: space quota, alarms and defrag against real etcd and capstan', async (t) => {
  if (etcdBin === undefined || etcdctlBin === undefined) {
    return t.skip('etcd or etcdctl not installed');
  }
  const [etcd, capstan] = await Promise.allSettled([runOn('etcd'), runOn('capstan')]);
  if (etcd.status === 'rejected') throw etcd.reason;
  if (capstan.status === 'rejected') throw capstan.reason;
  const [want, got] = [etcd.value, capstan.value];
  assert.equal(got.records.length, want.records.length);
  for (let i = 0; i < want.records.length; i++) {
    const w = rendered(want.records[i]!, want.facts);
    const g = rendered(got.records[i]!, got.facts);
    await t.test(`${i + 1}. ${w.title}`, () => {
      assert.equal(g.title, w.title, 'the same command');
      assert.equal(g.text, w.text, `capstan (+) differs from etcd (-) for: ${w.title}`);
    });
  }
});
