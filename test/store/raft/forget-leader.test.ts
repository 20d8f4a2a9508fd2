import assert from 'node:assert/strict';
import test from 'node:test';
import { StateType } from '../../../store/raft/index.js';
import { Harness } from './harness.js';

test('thesis §9.6 + forgetLeader: a follower that heard the leader ignores pre-votes, unless it forgot the leader', () => {
  const h = new Harness([1n, 2n, 3n]);
  h.campaign(1n);
  assert.equal(h.leader(), 1n);
  // The leader dies (all its traffic is lost); 2 campaigns at once.
  h.isolate(1n);
  h.campaign(2n);
  assert.equal(
    h.node(2n).raft.state,
    StateType.PreCandidate,
    '3 still trusts the leader: no pre-vote',
  );
  assert.equal(h.node(3n).raft.term, 2, 'and no term moved');
  // 3 learns that the leader's connection died and forgets it.
  h.node(3n).forgetLeader();
  assert.equal(h.node(3n).raft.lead, 0n);
  h.campaign(2n);
  assert.equal(h.node(2n).raft.state, StateType.Leader);
  assert.equal(h.node(2n).raft.term, 3);
});

test("forgetLeader can bring the follower's own election close, and is a no-op on a leader", () => {
  const h = new Harness([1n, 2n, 3n]);
  h.campaign(1n);
  const f = h.node(2n).raft;
  h.node(2n).forgetLeader(2);
  assert.ok(f.randomizedElectionTimeout - f.electionElapsed <= 2);
  h.node(1n).forgetLeader(1);
  assert.equal(h.node(1n).raft.state, StateType.Leader);
  assert.equal(h.node(1n).raft.lead, 1n);
});
