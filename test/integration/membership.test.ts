// Membership changes while clients write: add a learner (a new process
// joining the existing cluster), promote it once it caught up, remove an
// original member; writes keep succeeding and nothing acknowledged is lost.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isEtcdError } from '../../store/errors.js';
import { eventually, key, TestCluster, text } from './harness.js';

let cluster: TestCluster;
before(async () => {
  cluster = await TestCluster.start({ replicas: 3 });
});
after(() => cluster?.close());

test('member add (learner) → start → promote → remove, while a client writes', async (t) => {
  const leader = await cluster.waitForLeader();
  const acked: string[] = [];
  let stop = false;
  const writer = (async () => {
    for (let i = 0; !stop; i++) {
      const name = cluster.running().find((n) => n !== 'm4') ?? leader;
      try {
        await cluster.client(name).put({ key: key(`load-${i}`), value: key(String(i)) }, 2000);
        acked.push(`load-${i}`);
      } catch {
        // not acknowledged
      }
    }
  })();

  t.after(() => {
    stop = true; // also when an assertion failed: the writer must not outlive the cluster
  });
  const slot = await cluster.addMemberSlot('m4');
  const added = await cluster.client(leader).memberAdd({
    peerURLs: [`http://127.0.0.1:${slot.peerPort}`],
    isLearner: true,
  });
  assert.equal(added.member?.isLearner, true);
  assert.equal(added.members.length, 4);
  const newId = added.member!.ID;

  // A learner cannot be promoted before it has caught up (it has not even started).
  await assert.rejects(
    () => cluster.client(leader).memberPromote({ ID: newId }),
    (e: unknown) => isEtcdError(e, 'LearnerNotReady'),
  );

  cluster.launch(slot, { 'initial-cluster-state': 'existing' });
  await eventually(
    async () => {
      const s = await cluster.client('m4').status({}, 500);
      assert.equal(s.isLearner, true);
      const l = await cluster.client(leader).status({}, 500);
      assert.ok(Number(s.raftAppliedIndex) >= Number(l.raftAppliedIndex) - 5, 'caught up');
    },
    15_000,
    'the learner catching up',
  );
  const promoted = await eventually(
    () => cluster.client(leader).memberPromote({ ID: newId }),
    10_000,
    'promoting the learner',
  );
  assert.equal(promoted.members.find((m) => m.ID === newId)?.isLearner, false);

  // Remove an original follower; the cluster keeps four... then three voters.
  const victim = cluster.names().find((n) => n !== leader && n !== 'm4')!;
  const victimId = (await cluster.client(victim).status({}, 1000)).header!.member_id;
  // etcd's strict reconfiguration check refuses the removal ("unhealthy
  // cluster") until the leader has been connected to a quorum of the rest
  // for 5 s; a fresh cluster gets there shortly.
  const afterRemove = await eventually(
    () => cluster.client(leader).memberRemove({ ID: victimId }),
    15_000,
    'removing a follower',
  );
  assert.equal(afterRemove.members.length, 3);
  assert.ok(!afterRemove.members.some((m) => m.ID === victimId));
  // The removed member stops itself.
  await eventually(
    async () => assert.ok(!cluster.running().includes(victim)),
    10_000,
    `${victim} stopping`,
  );

  await new Promise((r) => setTimeout(r, 300));
  stop = true;
  await writer;
  t.diagnostic(`${acked.length} writes acknowledged during the changes`);
  assert.ok(acked.length > 20, 'writes kept succeeding');
  const check = await cluster
    .client('m4')
    .range({ key: key('load-'), range_end: key('load.') }, 5000);
  const have = new Set(check.kvs.map((kv) => text(kv.key)));
  assert.deepEqual(
    acked.filter((k) => !have.has(k)),
    [],
    'no acknowledged write lost',
  );
  const list = await cluster.client('m4').memberList({});
  assert.equal(
    list.members.find((m) => m.ID === newId)?.name,
    'm4',
    'the new member published its name',
  );
});
