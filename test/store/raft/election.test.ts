// Leader election (§5.2), the election restriction (§5.4.1) and PreVote
// (thesis §9.6), driven through the synchronous harness.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MessageType, StateType } from '../../../store/raft/index.js';
import { Harness } from './harness.js';

const [n1, n2, n3] = [1n, 2n, 3n];
const ids = [n1, n2, n3];
const electionTimeoutTicks = 10;

function states(h: Harness): string[] {
  return ids.map((id) => h.node(id).raft.state);
}

function terms(h: Harness): number[] {
  return ids.map((id) => h.node(id).raft.term);
}

test('§5.2 a candidate with votes from a majority becomes leader and every member follows it', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  assert.equal(h.leader(), n1);
  for (const id of ids) {
    const st = h.node(id).status();
    assert.equal(st.term, 2, 'the first election after bootstrap (term 1) is term 2');
    assert.equal(st.lead, n1);
    assert.equal(st.vote, n1);
  }
  // The new leader's no-op (§8) is committed everywhere.
  for (const id of ids) assert.equal(h.node(id).status().commit, 2);
});

test('§5.2 a member grants at most one vote per term, first come first served', () => {
  const h = new Harness(ids, { preVote: false, checkQuorum: false });
  // Members 1 and 2 time out together; their requests reach member 3 in that order.
  h.node(n1).campaign();
  h.node(n2).campaign();
  h.stabilize();
  const answersOf3 = h.deliveredWhere((m) => m.type === MessageType.VoteResp && m.from === n3);
  assert.deepEqual(
    answersOf3.map((m) => ({ to: m.to, term: m.term, reject: m.reject })),
    [
      { to: n1, term: 2, reject: false },
      { to: n2, term: 2, reject: true },
    ],
  );
  assert.equal(h.leader(), n1);
  assert.equal(h.node(n3).status().vote, n1);
});

test('§5.2 split vote: candidates that split the vote all lose, then randomized timeouts elect one', () => {
  const h = new Harness(ids);
  // All three time out at once: each votes for itself and refuses the others.
  for (const id of ids) h.node(id).campaign();
  h.stabilize();
  assert.deepEqual(h.leaders(), [], 'nobody won the split election');
  assert.deepEqual(terms(h), [2, 2, 2]);
  const votes = h.deliveredWhere((m) => m.type === MessageType.VoteResp);
  assert.equal(votes.length, 6);
  assert.ok(
    votes.every((m) => m.reject),
    'every vote request was refused',
  );
  assert.deepEqual(states(h), [StateType.Follower, StateType.Follower, StateType.Follower]);

  // Each member waits a timeout drawn from [T, 2T): the first to expire wins
  // the next election before the others time out.
  const timeouts = ids.map((id) => h.node(id).raft.randomizedElectionTimeout);
  for (const t of timeouts) {
    assert.ok(t >= electionTimeoutTicks && t < 2 * electionTimeoutTicks, `timeout ${t}`);
  }
  let ticks = 0;
  while (h.leaders().length === 0) {
    h.tickAll();
    ticks++;
    assert.ok(ticks < 2 * electionTimeoutTicks, 'an election succeeds within 2T ticks');
  }
  const leader = h.leader();
  assert.equal(h.node(leader).raft.term, 3, 'one more term: the split one is simply skipped');
  assert.equal(ticks, Math.min(...timeouts));
  assert.equal(
    timeouts[ids.indexOf(leader)],
    Math.min(...timeouts),
    'the member whose timeout expired first won',
  );
  for (const id of ids) assert.equal(h.node(id).status().lead, leader);
});

test('§5.4.1 election restriction: a candidate whose log is behind a majority cannot win', () => {
  const h = new Harness(ids, { preVote: false, checkQuorum: false });
  h.campaign(n1);
  const undo = h.isolate(n3);
  h.propose(n1, 'a'); // committed by members 1 and 2 only
  undo();
  h.campaign(n3);
  assert.notEqual(h.node(n3).raft.state, StateType.Leader);
  const answers = h.deliveredWhere((m) => m.type === MessageType.VoteResp && m.to === n3);
  assert.deepEqual(
    answers.map((m) => ({ from: m.from, reject: m.reject })),
    [
      { from: n1, reject: true },
      { from: n2, reject: true },
    ],
    'both members with the committed entry refuse',
  );
  // A member holding every committed entry can still win, and nothing is lost.
  h.campaign(n2);
  assert.equal(h.leader(), n2);
  h.stabilize();
  for (const id of ids) assert.deepEqual(h.appliedTexts(id), ['a']);
});

test('§9.6 PreVote: a partitioned member does not raise its term and rejoins without disrupting', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  const undo = h.isolate(n3);
  h.tick(n3, 10 * electionTimeoutTicks);
  // It keeps asking for pre-votes that never arrive, at its old term.
  assert.equal(h.node(n3).raft.term, 2);
  assert.equal(h.node(n3).raft.state, StateType.PreCandidate);
  undo();
  h.tickAll(3 * electionTimeoutTicks);
  assert.equal(h.leader(), n1, 'the leader was not deposed');
  assert.deepEqual(terms(h), [2, 2, 2]);
  assert.equal(h.node(n3).status().lead, n1);
});

test('§9.6 without PreVote, a partitioned member raises its term and deposes the leader on rejoining', () => {
  // The contrast that motivates PreVote: the term the member invented while
  // cut off forces the working leader to step down (§5.1: stale term).
  const h = new Harness(ids, { preVote: false });
  h.campaign(n1);
  const undo = h.isolate(n3);
  h.tick(n3, 5 * electionTimeoutTicks);
  const inflatedTerm = h.node(n3).raft.term;
  assert.ok(inflatedTerm > 2, `member 3 campaigned alone up to term ${inflatedTerm}`);
  undo();
  h.tick(n1); // the leader's heartbeat reaches member 3, which answers with its term
  assert.equal(h.node(n1).raft.state, StateType.Follower);
  assert.ok(h.node(n1).raft.term >= inflatedTerm);
});
