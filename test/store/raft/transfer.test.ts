// Leadership transfer (thesis §3.10): the leader brings the target up to
// date, then tells it to campaign at once (TimeoutNow); it refuses proposals
// meanwhile, and gives up after an election timeout.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  confChange,
  ConfChangeType,
  MessageType,
  ProposalDroppedError,
  StateType,
} from '../../../store/raft/index.js';
import { Harness } from './harness.js';

const [n1, n2, n3] = [1n, 2n, 3n];
const ids = [n1, n2, n3];
const electionTimeoutTicks = 10;

function refusal(reason: string): (e: unknown) => boolean {
  return (e) => e instanceof ProposalDroppedError && e.reason === reason;
}

test('thesis §3.10 transfer to a lagging follower: the leader first brings it up to date, then sends TimeoutNow', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  const undo = h.addFilter((m) => m.type === MessageType.App && m.to === n3);
  h.propose(n1, 'a');
  h.propose(n1, 'b');
  h.propose(n1, 'c');
  undo();
  assert.equal(h.node(n3).status().lastIndex, 2, 'member 3 lags behind by three entries');

  let targetLastIndexAtTimeoutNow: number | undefined;
  h.addFilter((m) => {
    if (m.type === MessageType.TimeoutNow) {
      targetLastIndexAtTimeoutNow = h.node(m.to).status().lastIndex;
    }
    return false;
  });
  h.delivered.length = 0;
  h.node(n1).transferLeader(n3);
  assert.equal(h.node(n1).status().leadTransferee, n3);
  h.stabilize();

  const toTarget = h.deliveredWhere((m) => m.from === n1 && m.to === n3).map((m) => m.type);
  const timeoutNowAt = toTarget.indexOf(MessageType.TimeoutNow);
  assert.ok(timeoutNowAt > 0, 'TimeoutNow was sent after something else');
  assert.ok(toTarget.slice(0, timeoutNowAt).includes(MessageType.App), 'appends came first');
  assert.equal(
    targetLastIndexAtTimeoutNow,
    5,
    'the target held the whole log when told to campaign',
  );

  assert.equal(h.leader(), n3);
  assert.equal(h.node(n3).raft.term, 3);
  // Member 2 had just heard from leader 1; the transfer's vote overrides that lease.
  const grants = h.deliveredWhere((m) => m.type === MessageType.VoteResp && m.to === n3);
  assert.deepEqual(
    grants.map((m) => [m.from, m.reject]),
    [
      [n1, false],
      [n2, false],
    ],
  );
  h.propose(n3, 'd');
  for (const id of ids) assert.deepEqual(h.appliedTexts(id), ['a', 'b', 'c', 'd']);
});

test('thesis §3.10 proposals are refused while a transfer is in progress', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  h.isolate(n3);
  h.node(n1).transferLeader(n3);
  assert.throws(() => h.propose(n1, 'a'), refusal('leader-transfer'));
  // Proposals forwarded by a follower are refused the same way (and dropped).
  h.propose(n2, 'b');
  assert.deepEqual(h.appliedTexts(n1), []);
  assert.equal(h.node(n1).status().lastIndex, 2);
});

test('thesis §3.10 a transfer that cannot finish is aborted after an election timeout', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  h.isolate(n3);
  h.node(n1).transferLeader(n3);
  h.tick(n1, electionTimeoutTicks - 1);
  assert.equal(h.node(n1).status().leadTransferee, n3, 'still trying');
  h.tick(n1);
  const st = h.node(n1).status();
  assert.equal(st.leadTransferee, 0n, 'aborted');
  assert.equal(st.state, StateType.Leader);
  assert.equal(st.term, 2);
  h.propose(n1, 'a'); // accepted again
  assert.deepEqual(h.appliedTexts(n2), ['a']);
});

test('thesis §3.10 a transfer asked of a follower is forwarded to the leader', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  h.node(n2).transferLeader(n3);
  h.stabilize();
  assert.equal(h.leader(), n3);
  assert.equal(h.node(n3).raft.term, 3);
});

test('thesis §3.10 a transfer to a learner or a stranger is refused; to the leader itself it is a no-op', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  h.node(n1).proposeConfChange(confChange(ConfChangeType.AddLearnerNode, 4n));
  h.stabilize();
  assert.deepEqual(h.node(n1).status().confState.learners, [4n]);
  assert.throws(() => h.node(n1).transferLeader(4n), refusal('not-member'));
  assert.throws(() => h.node(n1).transferLeader(9n), refusal('not-member'));
  h.node(n1).transferLeader(n1);
  assert.equal(h.node(n1).status().leadTransferee, 0n);
  h.propose(n1, 'still leading');
  assert.deepEqual(h.appliedTexts(n2), ['still leading']);
});
