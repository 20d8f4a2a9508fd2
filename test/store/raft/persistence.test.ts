// Crash and restart (§5.1, Figure 2 "persistent state on all servers"): a
// member keeps what it persisted — log entries and the hard state (term,
// vote, commit) — and loses the rest. Persisting before answering is what
// makes its answers safe to count.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MessageType, StateType } from '../../../store/raft/index.js';
import { Harness } from './harness.js';

const [n1, n2, n3] = [1n, 2n, 3n];
const ids = [n1, n2, n3];

test('§5.2 a member that voted in term T and restarts does not vote for another candidate in T', () => {
  // No PreVote or leader lease, so the second candidate's request is judged
  // on the vote alone.
  const h = new Harness(ids, { preVote: false, checkQuorum: false });
  const undo3 = h.isolate(n3);
  h.dropType(MessageType.VoteResp); // candidate 1 never learns it won
  h.campaign(n1);
  assert.deepEqual(h.get(n2).storage.hardState(), { term: 2, vote: n1, commit: 1 });

  h.restart(n2);
  const st = h.node(n2).status();
  assert.deepEqual([st.term, st.vote, st.state], [2, n1, StateType.Follower]);

  undo3();
  h.healAll();
  h.campaign(n3); // also term 2
  assert.equal(h.node(n3).raft.term, 2);
  const answer = h.deliveredWhere((m) => m.type === MessageType.VoteResp && m.from === n2);
  assert.deepEqual(
    answer.map((m) => [m.to, m.term, m.reject]),
    [[n3, 2, true]],
  );
  assert.notEqual(h.node(n3).raft.state, StateType.Leader);
});

test('§5.1 a restarted follower keeps its log and commit, and re-applies committed entries', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  h.propose(n1, 'a');
  h.propose(n1, 'b');
  const before = h.node(n2).status();
  const m = h.restart(n2);
  const after = m.node.status();
  assert.deepEqual(
    [after.term, after.vote, after.commit, after.lastIndex],
    [before.term, before.vote, before.commit, before.lastIndex],
  );
  assert.equal(after.applied, 1, 'nothing applied yet: the state machine starts from the snapshot');
  h.stabilize();
  assert.deepEqual(h.appliedTexts(n2), ['a', 'b']);

  // A driver whose state machine is durable passes its applied index.
  const m2 = h.restart(n2, { appliedIndex: 3 });
  assert.equal(m2.node.status().applied, 3);
  h.stabilize();
  assert.deepEqual(h.appliedTexts(n2), ['b']);
});

test('§5.1 entries received but not persisted before a crash are lost, and were never acknowledged', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  const appends = h.hold((m) => m.type === MessageType.App && m.to === n2);
  h.propose(n1, 'a');
  const append = appends.messages.find((m) => m.entries.length > 0)!;
  // Member 2 receives the append, then crashes before its Ready is persisted.
  h.node(n2).step(append);
  assert.equal(h.node(n2).status().lastIndex, 3);
  appends.messages.length = 0; // whatever else was in flight to it is lost too
  appends.release();
  h.restart(n2);
  assert.equal(h.node(n2).status().lastIndex, 2, 'the unpersisted entry is gone');
  assert.deepEqual(
    h.deliveredWhere((m) => m.type === MessageType.AppResp && m.from === n2 && m.index === 3),
    [],
    'and it had not been acknowledged',
  );
  assert.equal(h.node(n1).status().progress?.get(n2)?.match, 2);
  h.tick(n1);
  assert.deepEqual(h.appliedTexts(n2), ['a']);
});

test('§5.1 a restarted leader comes back as a follower of its persisted term', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  h.propose(n1, 'a');
  h.restart(n1);
  const st = h.node(n1).status();
  assert.deepEqual([st.state, st.term, st.vote, st.commit], [StateType.Follower, 2, n1, 3]);
  h.stabilize();
  assert.deepEqual(h.appliedTexts(n1), ['a']);
  // Its old followers still follow term 2; the first heartbeat-less timeout elects anew.
  let ticks = 0;
  while (h.leaders().length === 0) {
    h.tickAll();
    assert.ok(++ticks < 100);
  }
  assert.equal(h.node(h.leader()).raft.term, 3);
  h.propose(h.leader(), 'b');
  for (const id of ids) assert.deepEqual(h.appliedTexts(id).at(-1), 'b');
});
