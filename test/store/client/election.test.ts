// The election recipe against real etcd: campaign, proclaim, resign,
// leader(), observe() across a leader change, and interoperation with
// `etcdctl elect` (both as a rival candidate and as an observer).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ElectionNotLeaderError, type KeyValue } from '../../../store/client/index.js';
import {
  etcdctlBin,
  skipReason,
  spawnEtcdctl,
  startTarget,
  str,
  waitFor,
  type ClientTarget,
  type RunningCtl,
  type TargetKind,
  clientTestTarget,
} from './fixtures.js';

const target: TargetKind = clientTestTarget();

describe(`election against ${target}`, { skip: skipReason(target) }, () => {
  let t: ClientTarget;
  const ctls: RunningCtl[] = [];
  before(async () => {
    t = await startTarget(target, { members: 1 });
  });
  after(async () => {
    await Promise.all(ctls.map((c) => c.interrupt()));
    await t?.close();
  });

  test('campaign, proclaim, resign: observers see every leader and value change', async () => {
    const [ca, cb, co] = [t.client(), t.client(), t.client()];
    const a = ca.election('jobs');
    const b = cb.election('jobs');
    const observer = co.election('jobs').observe();
    const seen: KeyValue[] = [];
    const observing = (async () => {
      for await (const kv of observer) seen.push(kv);
    })();

    assert.equal(await co.election('jobs').leader(), undefined);
    await a.campaign('a1');
    await waitFor('the first leader observed', () => (seen.length === 1 ? true : undefined));
    assert.equal(str(seen[0]!.value), 'a1');
    let bLeads = false;
    const bCampaign = b.campaign('b1').then(() => (bLeads = true));
    await waitFor('b queued', async () =>
      (await co.get('jobs/', { prefix: true, countOnly: true })).count === 2n ? true : undefined,
    );
    await a.proclaim('a2');
    await waitFor('the proclaimed value observed', () => (seen.length === 2 ? true : undefined));
    assert.equal(str(seen[1]!.value), 'a2');
    assert.equal(bLeads, false);
    assert.equal(str((await co.election('jobs').leader())?.value), 'a2');

    await a.resign();
    await bCampaign;
    await waitFor('the new leader observed', () => (seen.length === 3 ? true : undefined));
    assert.equal(str(seen[2]!.value), 'b1');
    assert.ok(seen[2]!.createRevision > seen[0]!.createRevision);
    assert.equal(str((await co.election('jobs').leader())?.key), b.key?.toString());
    await assert.rejects(a.proclaim('again'), ElectionNotLeaderError);

    // A write guarded by leadership goes through only for the leader.
    const ok = await cb.txn({ if: [b.fence()] });
    assert.equal(ok.succeeded, true);
    observer.cancel();
    await observing;
    await b.close();
    await a.close();
    assert.equal(await co.election('jobs').leader(), undefined);
  });

  test(
    'interoperates with etcdctl elect, as a rival and as an observer',
    { skip: etcdctlBin === undefined },
    async () => {
      const c = t.client();
      const endpoints = t.endpoints();
      const rival = spawnEtcdctl(endpoints, ['elect', 'shared-election', 'ctl-proposal']);
      ctls.push(rival);
      await waitFor('etcdctl to lead', () =>
        rival.stdout().includes('ctl-proposal') ? true : undefined,
      );
      const e = c.election('shared-election');
      assert.equal(str((await e.leader())?.value), 'ctl-proposal');

      const listener = spawnEtcdctl(endpoints, ['elect', '-l', 'shared-election']);
      ctls.push(listener);
      await waitFor('the etcdctl observer to print the leader', () =>
        listener.stdout().includes('ctl-proposal') ? true : undefined,
      );

      let leading = false;
      const campaign = e.campaign('ours').then(() => (leading = true));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(leading, false, 'we wait while etcdctl leads');
      assert.equal(await rival.interrupt(), 0); // etcdctl resigns on SIGINT
      await campaign;
      assert.equal(str((await e.leader())?.value), 'ours');
      await waitFor('the etcdctl observer to see us', () =>
        listener.stdout().includes('ours') ? true : undefined,
      );
      const lines = listener.stdout().trim().split('\n');
      assert.deepEqual([lines[1], lines[3]], ['ctl-proposal', 'ours']);
      assert.equal(lines[2], e.key?.toString());
      await e.close();
    },
  );
});
