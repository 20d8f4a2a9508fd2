// Membership changes, one server at a time (thesis §4.1), applied when the
// entry is applied: learners (§4.2.1), newcomers caught up by snapshot, a
// leader removing itself (§4.2.2), removed members that come back (§4.2.3),
// and the one-change-at-a-time rule.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  confChange,
  ConfChangeType,
  decodeConfChange,
  EntryType,
  MessageType,
  ProgressState,
  ProposalDroppedError,
  StateType,
  type NodeId,
} from '../../../store/raft/index.js';
import { Harness } from './harness.js';

const [n1, n2, n3, n4, n5] = [1n, 2n, 3n, 4n, 5n];
const electionTimeoutTicks = 10;

function refusal(reason: string): (e: unknown) => boolean {
  return (e) => e instanceof ProposalDroppedError && e.reason === reason;
}

/**
 * The driver's part of adding a member: a newcomer starts with an empty log
 * and can only be caught up by a snapshot that lists it, so the leader
 * snapshots right after applying a change that adds someone.
 */
function snapshotWhenLeaderAddsMember(h: Harness): void {
  h.onApply = (m, e) => {
    if (e.type !== EntryType.ConfChange || m.node.raft.state !== StateType.Leader) return;
    const cc = decodeConfChange(e.data);
    if (cc.type === ConfChangeType.AddNode || cc.type === ConfChangeType.AddLearnerNode) {
      h.snapshot(m.id, new Uint8Array(0), e.index);
    }
  };
}

function changeMembers(h: Harness, leader: NodeId, type: ConfChangeType, id: NodeId): void {
  h.node(leader).proposeConfChange(confChange(type, id));
  h.stabilize();
}

test('thesis §4.2.1 a learner receives the log but neither votes nor counts toward commit; promoted, it counts', () => {
  const h = new Harness([n1, n2, n3]);
  snapshotWhenLeaderAddsMember(h);
  h.campaign(n1);
  h.propose(n1, 'a');
  h.add(n4); // a fresh process with an empty log
  changeMembers(h, n1, ConfChangeType.AddLearnerNode, n4);
  const learner = h.get(n4);
  assert.deepEqual(learner.confState, { voters: [n1, n2, n3], learners: [n4] });
  assert.ok(learner.storage.snapshot().metadata.index >= 3, "caught up by a snapshot holding 'a'");
  h.propose(n1, 'b');
  assert.deepEqual(h.appliedTexts(n4), ['b']);

  // Its acknowledgement does not count: leader and learner alone commit nothing.
  const undo = h.partition([n1, n4], [n2, n3]);
  const commit = h.node(n1).status().commit;
  h.propose(n1, 'c');
  assert.equal(h.node(n4).status().lastIndex, h.node(n1).status().lastIndex, 'the learner has it');
  assert.equal(h.node(n1).status().commit, commit, 'but it is not committed');
  // It never campaigns, however long it hears nothing.
  h.delivered.length = 0;
  h.tick(n4, 10 * electionTimeoutTicks);
  assert.equal(h.node(n4).raft.state, StateType.Follower);
  assert.equal(h.node(n4).raft.term, 2);
  assert.deepEqual(
    h.deliveredWhere((m) => m.from === n4),
    [],
  );
  undo();
  h.tick(n1);
  for (const id of [n1, n2, n3, n4]) assert.deepEqual(h.appliedTexts(id).at(-1), 'c');

  // Promotion: AddNode on a learner makes it a voter everywhere.
  changeMembers(h, n1, ConfChangeType.AddNode, n4);
  for (const id of [n1, n2, n3, n4]) {
    assert.deepEqual(h.get(id).confState, { voters: [n1, n2, n3, n4], learners: [] });
  }
  // Four voters need three acknowledgements: with 3 down, 4's is required.
  h.isolate(n3);
  const acksOf4 = h.hold((m) => m.type === MessageType.AppResp && m.from === n4);
  const before = h.node(n1).status().commit;
  h.propose(n1, 'd');
  assert.equal(
    h.node(n1).status().commit,
    before,
    'leader and member 2 are not a majority of four',
  );
  acksOf4.release();
  assert.equal(h.node(n1).status().commit, before + 1);
  // And it may now lead.
  h.healAll();
  h.node(n1).transferLeader(n4);
  h.stabilize();
  assert.equal(h.leader(), n4);
});

test('thesis §4.1 a newcomer installs a snapshot that predates its addition and learns it from the entries after', () => {
  // No snapshot is taken after the change: the leader's only one is the
  // bootstrap snapshot, whose configuration does not list the newcomer.
  const h = new Harness([n1, n2, n3]);
  h.campaign(n1);
  h.propose(n1, 'a');
  h.add(n4);
  changeMembers(h, n1, ConfChangeType.AddNode, n4);
  const offered = h.deliveredWhere((m) => m.type === MessageType.Snap && m.to === n4);
  assert.equal(offered.length, 1);
  assert.deepEqual(offered[0]!.snapshot?.metadata.confState.voters, [n1, n2, n3]);
  const newcomer = h.get(n4);
  assert.equal(newcomer.storage.snapshot().metadata.index, 1);
  // The entries after the snapshot carry 'a' and then its own addition.
  assert.deepEqual(h.appliedTexts(n4), ['a']);
  assert.deepEqual(newcomer.confState.voters, [n1, n2, n3, n4]);
  assert.equal(h.node(n1).status().progress?.get(n4)?.state, ProgressState.Replicate);
  h.propose(n1, 'b');
  assert.deepEqual(h.appliedTexts(n4), ['a', 'b']);
  // A full member now: it can lead.
  h.node(n1).transferLeader(n4);
  h.stabilize();
  assert.equal(h.leader(), n4);
});

test('thesis §4.2.2 a leader that removes itself leads until the change is applied, then steps down', () => {
  const h = new Harness([n1, n2, n3]);
  h.campaign(n1);
  const acks = h.hold((m) => m.type === MessageType.AppResp);
  h.node(n1).proposeConfChange(confChange(ConfChangeType.RemoveNode, n1));
  h.stabilize();
  assert.equal(
    h.node(n1).raft.state,
    StateType.Leader,
    'still leads while the change is uncommitted',
  );
  // It takes no more proposals: its log ends at its own removal.
  assert.throws(() => h.propose(n1, 'a'), refusal('leader-removing-itself'));
  acks.release();
  assert.equal(h.node(n1).raft.state, StateType.Follower);
  for (const id of [n1, n2, n3]) {
    assert.deepEqual(h.get(id).confState.voters, [n2, n3], `member ${id}`);
  }
  // The removed member never campaigns; the others elect a successor.
  h.delivered.length = 0;
  let ticks = 0;
  while (h.leaders().length === 0) {
    h.tickAll();
    assert.ok(++ticks < 5 * electionTimeoutTicks);
  }
  assert.ok([n2, n3].includes(h.leader()));
  assert.deepEqual(
    h.deliveredWhere((m) => m.from === n1),
    [],
  );
  h.propose(h.leader(), 'b');
  assert.deepEqual(h.appliedTexts(n2), ['b']);
  assert.deepEqual(h.appliedTexts(n3), ['b']);
  assert.deepEqual(h.appliedTexts(n1), [], 'the removed member hears nothing more');
});

test('thesis §4.2.2 removing the leader of two voters: the survivor wins even if it missed the commit', () => {
  const h = new Harness([n1, n2]);
  h.campaign(n1);
  h.propose(n1, 'a');
  // n2 stores the removal and acknowledges it, but never hears that it committed.
  const removalIndex = h.node(n1).raft.raftLog.lastIndex() + 1;
  const dropCommit = h.addFilter(
    (m) =>
      m.from === n1 &&
      m.to === n2 &&
      (m.type === MessageType.App || m.type === MessageType.Heartbeat) &&
      m.commit >= removalIndex,
  );
  h.node(n1).proposeConfChange(confChange(ConfChangeType.RemoveNode, n1));
  h.stabilize();
  assert.deepEqual(h.get(n1).confState.voters, [n2]);
  assert.equal(h.node(n1).raft.state, StateType.Follower);
  assert.equal(h.node(n2).raft.raftLog.lastIndex(), removalIndex, 'n2 holds the removal');
  assert.deepEqual(h.get(n2).confState.voters, [n1, n2], 'but has not applied it');
  dropCommit();
  // n2 still counts n1 as a voter; n1's log ends where n2's does, so n1 votes
  // for it, and n2 then commits and applies its own configuration.
  let ticks = 0;
  while (h.node(n2).raft.state !== StateType.Leader) {
    h.tickAll();
    assert.ok(++ticks < 5 * electionTimeoutTicks, 'n2 becomes leader');
  }
  h.stabilize();
  assert.deepEqual(h.get(n2).confState.voters, [n2]);
  h.propose(n2, 'b');
  assert.deepEqual(h.appliedTexts(n2), ['a', 'b']);
});

test('thesis §4.1 one change at a time: a second change is refused until the first is applied', () => {
  const h = new Harness([n1, n2, n3]);
  h.campaign(n1);
  const acks = h.hold((m) => m.type === MessageType.AppResp);
  h.node(n1).proposeConfChange(confChange(ConfChangeType.AddLearnerNode, n4));
  assert.throws(
    () => h.node(n1).proposeConfChange(confChange(ConfChangeType.AddLearnerNode, n5)),
    refusal('conf-change-pending'),
  );
  h.propose(n1, 'a'); // ordinary proposals are not held up
  // A change forwarded by a follower meanwhile keeps its log slot as an empty entry.
  h.node(n2).proposeConfChange(confChange(ConfChangeType.AddLearnerNode, n5));
  h.stabilize();
  const last = h.node(n1).raft.raftLog.slice(5, 6, Infinity)[0]!;
  assert.deepEqual([last.type, last.data.length], [EntryType.Normal, 0]);
  acks.release();
  assert.deepEqual(h.get(n1).confState, { voters: [n1, n2, n3], learners: [n4] });
  // Applied: the next change is accepted.
  changeMembers(h, n1, ConfChangeType.AddLearnerNode, n5);
  assert.deepEqual(h.get(n2).confState.learners, [n4, n5]);
});

test('thesis §4.1 a new leader accepts no change until the entries before its no-op are applied', () => {
  const h = new Harness([n1, n2, n3]);
  h.campaign(n1);
  // The change reaches member 2, but not the news that it committed.
  const noCommitNews = h.addFilter(
    (m) =>
      (m.type === MessageType.App && m.entries.length === 0) || m.type === MessageType.Heartbeat,
  );
  h.node(n1).proposeConfChange(confChange(ConfChangeType.AddLearnerNode, n4));
  h.stabilize();
  noCommitNews();
  const acks = h.hold((m) => m.type === MessageType.AppResp && m.to === n2);
  h.node(n1).transferLeader(n2);
  h.stabilize();
  assert.equal(h.leader(), n2);
  assert.equal(h.node(n2).status().applied, 2, 'the change at index 3 is not applied on 2 yet');
  assert.throws(
    () => h.node(n2).proposeConfChange(confChange(ConfChangeType.AddLearnerNode, n5)),
    refusal('conf-change-pending'),
  );
  acks.release();
  assert.deepEqual(h.get(n2).confState.learners, [n4]);
  changeMembers(h, n2, ConfChangeType.AddLearnerNode, n5);
  assert.deepEqual(h.get(n2).confState.learners, [n4, n5]);
});

test('thesis §4.1 a member does not campaign while a committed configuration change is unapplied', () => {
  const h = new Harness([n1, n2, n3]);
  h.campaign(n1);
  changeMembers(h, n1, ConfChangeType.AddLearnerNode, n4);
  // After a restart the state machine (and the configuration) is rebuilt by
  // re-applying; until the change at index 3 is applied, 2 must not campaign.
  const m = h.restart(n2);
  assert.deepEqual([m.node.status().commit, m.node.status().applied], [3, 1]);
  m.node.campaign();
  assert.equal(m.node.raft.state, StateType.Follower);
  h.drain(n2);
  assert.deepEqual(m.confState.learners, [n4]);
  m.node.campaign();
  assert.equal(m.node.raft.state, StateType.PreCandidate);
});

test('thesis §4.1 a change that would leave no voter, or names member 0, is refused', () => {
  const h = new Harness([n1]);
  h.campaign(n1);
  assert.throws(
    () => h.node(n1).proposeConfChange(confChange(ConfChangeType.RemoveNode, n1)),
    (e) => refusal('invalid-conf-change')(e) && /remove every voter/.test((e as Error).message),
  );
  assert.throws(
    () => h.node(n1).proposeConfChange(confChange(ConfChangeType.AddNode, 0n)),
    refusal('invalid-conf-change'),
  );
  assert.deepEqual(h.get(n1).confState.voters, [n1]);
});

for (const preVote of [true, false]) {
  test(`thesis §4.2.3 a removed member that comes back with a higher term does not disrupt the cluster (preVote ${preVote})`, () => {
    const h = new Harness([n1, n2, n3, n4]);
    h.campaign(n1);
    h.isolate(n4);
    changeMembers(h, n1, ConfChangeType.RemoveNode, n4);
    assert.deepEqual(h.get(n1).confState.voters, [n1, n2, n3]);
    // Member 4 never learns it was removed and keeps campaigning.
    h.restart(n4, { preVote });
    h.tick(n4, 5 * electionTimeoutTicks);
    const term4 = h.node(n4).raft.term;
    if (!preVote) assert.ok(term4 > 2, `alone, without PreVote, it reached term ${term4}`);
    h.healAll();
    h.delivered.length = 0;
    h.tickAll(5 * electionTimeoutTicks);
    assert.ok(h.deliveredWhere((m) => m.from === n4).length > 0, 'it did ask for votes');
    assert.deepEqual(
      h.deliveredWhere((m) => m.to === n4),
      [],
      'nobody even answered (leader lease)',
    );
    assert.equal(h.leader(), n1);
    for (const id of [n1, n2, n3]) assert.equal(h.node(id).raft.term, 2, `member ${id} term`);
    h.propose(n1, 'a');
    assert.deepEqual(h.appliedTexts(n3), ['a']);
  });
}
