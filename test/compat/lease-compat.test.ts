// etcdctl 3.4's lease commands against real etcd 3.4 and capstan, three
// members each, m1 leading: the same session (lease-session.ts) on both,
// and after normalization (normalize.ts: ids, ports, remaining TTLs) every
// command must print the same and exit with the same code. One subtest per
// command, with a diff (- etcd, + capstan). Skipped when etcd or etcdctl is
// not installed.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { findOnPath } from '../store/server/grpc/etcdctl.js';
import { leaseClusterNames, leaseSession, prepareLeaseCluster } from './lease-session.js';
import { ctlTitle, normalizeCtl, normalizeGrpc, type Facts } from './normalize.js';
import { runSession, Session, type StepRecord } from './session.js';
import { startCapstanTarget, startEtcdTarget, type TargetKind } from './targets.js';

const etcdBin = findOnPath('etcd');
const etcdctlBin = findOnPath('etcdctl');
const maxRequestBytes = 1024 * 1024;

interface Run {
  records: StepRecord[];
  facts: Facts;
  elapsedMs: number;
}

/** A fresh three-member target of `kind`, the session on it, then cleanup (always). */
async function runOn(kind: TargetKind): Promise<Run> {
  const started = Date.now();
  const o = { members: leaseClusterNames.length, maxRequestBytes };
  const target = await (kind === 'etcd'
    ? startEtcdTarget(etcdBin!, etcdctlBin!, o)
    : startCapstanTarget(o));
  const s = new Session(target, etcdctlBin!);
  try {
    await prepareLeaseCluster(s);
    const records = await runSession(s, leaseSession());
    const ids = new Map<bigint, string>([[s.clusterId, 'cluster']]);
    for (const [name, id] of s.ids) ids.set(id, name);
    return {
      records,
      facts: { ids, ports: target.ports(), dir: target.dir },
      elapsedMs: Date.now() - started,
    };
  } finally {
    s.close();
    await target.close();
  }
}

function rendered(rec: StepRecord, facts: Facts): { title: string; text: string } {
  if (rec.kind === 'ctl') return { title: ctlTitle(rec, facts), text: normalizeCtl(rec, facts) };
  return { title: `gRPC ${rec.title}`, text: normalizeGrpc(rec, facts) };
}

async function compare(t: TestContext, etcd: Run, capstan: Run): Promise<void> {
  t.diagnostic(`etcd session ${etcd.elapsedMs} ms, capstan session ${capstan.elapsedMs} ms`);
  assert.equal(capstan.records.length, etcd.records.length);
  for (let i = 0; i < etcd.records.length; i++) {
    const want = rendered(etcd.records[i]!, etcd.facts);
    const got = rendered(capstan.records[i]!, capstan.facts);
    await t.test(`${i + 1}. ${want.title}`, () => {
      assert.equal(got.title, want.title, 'the same command');
      assert.equal(got.text, want.text, `capstan (+) differs from etcd (-) for: ${want.title}`);
    });
  }
}

test('etcdctl 3.4 lease commands on three members, against real etcd and capstan', async (t) => {
  if (etcdBin === undefined || etcdctlBin === undefined) {
    return t.skip('etcd or etcdctl not installed');
  }
  const [etcd, capstan] = await Promise.allSettled([runOn('etcd'), runOn('capstan')]);
  if (etcd.status === 'rejected')
    throw new Error('the etcd session could not run', { cause: etcd.reason });
  if (capstan.status === 'rejected') {
    throw new Error('the capstan session could not run', { cause: capstan.reason });
  }
  await compare(t, etcd.value, capstan.value);
});
