// `etcdctl watch` (etcdctl 3.4) against real etcd 3.4 and capstan: the same
// session (watch-session.ts) on a fresh single member of each; after
// normalization every command must print the same and exit the same.
// Skipped when etcd or etcdctl is not installed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findOnPath } from '../store/server/grpc/etcdctl.js';
import { ctlTitle, normalizeCtl, type Facts } from './normalize.js';
import { Session, type CtlRecord } from './session.js';
import { startCapstanTarget, startEtcdTarget, type TargetKind } from './targets.js';
import { runWatchSession, watchSession } from './watch-session.js';

const etcdBin = findOnPath('etcd');
const etcdctlBin = findOnPath('etcdctl');
const maxRequestBytes = 1024 * 1024;

async function runOn(kind: TargetKind): Promise<{ records: CtlRecord[]; facts: Facts }> {
  const o = { members: 1, maxRequestBytes };
  const target =
    kind === 'etcd' ? await startEtcdTarget(etcdBin!, etcdctlBin!, o) : await startCapstanTarget(o);
  const s = new Session(target, etcdctlBin!);
  try {
    await s.learnIds();
    const records = await runWatchSession(s, watchSession());
    const ids = new Map<bigint, string>([[s.clusterId, 'cluster']]);
    for (const [name, id] of s.ids) ids.set(id, name);
    return { records, facts: { ids, ports: target.ports(), dir: target.dir } };
  } finally {
    s.close();
    await target.close();
  }
}

test('etcdctl watch prints the same against real etcd 3.4 and capstan', async (t) => {
  if (etcdBin === undefined || etcdctlBin === undefined) {
    return t.skip('etcd or etcdctl not installed');
  }
  const [etcd, capstan] = await Promise.all([runOn('etcd'), runOn('capstan')]);
  assert.equal(capstan.records.length, etcd.records.length);
  // Not a comparison of two empty outputs: the watches printed their events.
  const printed = etcd.records
    .filter((r) => r.args[0] === 'watch')
    .map((r) => r.result.stdout.split('\n').length);
  t.diagnostic(`lines printed by each watch on etcd: ${printed.join(', ')}`);
  assert.ok(printed.filter((n) => n > 3).length >= 9, 'the watches printed events');
  for (let i = 0; i < etcd.records.length; i++) {
    const want = etcd.records[i]!;
    const got = capstan.records[i]!;
    const title = ctlTitle(want, etcd.facts);
    await t.test(`${i + 1}. ${title}`, () => {
      assert.equal(ctlTitle(got, capstan.facts), title);
      assert.equal(
        normalizeCtl(got, capstan.facts),
        normalizeCtl(want, etcd.facts),
        `capstan (+) differs from etcd (-) for: ${title}`,
      );
    });
  }
});
