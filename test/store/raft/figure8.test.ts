// The Raft paper's Figure 8 (§5.4.2), built step by step with partitions and
// elections: a leader must not commit an entry of an earlier term by
// counting replicas, because a later leader may still overwrite it; it
// commits such an entry only by committing one of its own term after it.
//
// Members S1..S5 run without PreVote and CheckQuorum, as in the paper, so
// elections happen exactly where the test calls them. Each append carries
// one entry (maxMessageBytes 1), so a follower can receive the old-term
// entry without the new one, as in the figure.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  MessageType,
  StateType,
  type Message,
  type NodeId,
  type UnsafeTestingKnobs,
} from '../../../store/raft/index.js';
import { Harness } from './harness.js';

const [s1, s2, s3, s4, s5] = [1n, 2n, 3n, 4n, 5n];
const all = [s1, s2, s3, s4, s5];

function newCluster(unsafe: UnsafeTestingKnobs = {}): Harness {
  return new Harness(all, { preVote: false, checkQuorum: false, maxMessageBytes: 1, unsafe });
}

/** Term of entry 3, the entry the figure is about, on each member. */
function termsAtIndex3(h: Harness, ids: NodeId[]): (number | undefined)[] {
  return ids.map((id) => h.node(id).raft.raftLog.term(3));
}

/**
 * Figure 8 (a) and (b). (a) S1 leads term 2 and replicates entry 3 ('x') to
 * S2 only. (b) S5 is elected for term 3 by S3, S4 and itself, and appends its
 * own entry 3 (its no-op) before it crashes, so nobody else receives it.
 */
function figure8ab(h: Harness): void {
  h.campaign(s1);
  assert.equal(h.node(s1).raft.term, 2);
  const heal = h.partition([s1, s2], [s3, s4, s5]);
  h.propose(s1, 'x');
  heal();
  assert.deepEqual(termsAtIndex3(h, all), [2, 2, undefined, undefined, undefined]);

  const s5Crashes = h.addFilter((m) => m.from === s5 && m.type === MessageType.App);
  h.campaign(s5);
  assert.equal(h.node(s5).raft.state, StateType.Leader);
  assert.equal(h.node(s5).raft.term, 3);
  assert.deepEqual(termsAtIndex3(h, all), [2, 2, undefined, undefined, 3]);
  s5Crashes();
  h.isolate(s5); // S5 is down until a test restarts it
}

/**
 * Drops appends carrying an entry of `term` that the receiver would accept:
 * the new leader crashes before that entry reaches those members.
 */
function entriesOfTermNeverReach(h: Harness, term: number, to: NodeId[]): () => void {
  return h.addFilter(
    (m: Message) =>
      m.type === MessageType.App &&
      to.includes(m.to) &&
      m.entries.some((e) => e.term === term) &&
      h.node(m.to).raft.raftLog.matchTerm(m.index, m.logTerm),
  );
}

/**
 * Figure 8 (c): S1 is elected for term 4 by S2, S3 and itself, appends its
 * term-4 entry 4, and replicates entry 3 (term 2) to S3. Entry 3 is now on a
 * majority (S1, S2, S3), entry 4 only on S1. S4 is unreachable.
 */
function figure8c(h: Harness): () => void {
  const undoS4 = h.isolate(s4);
  const undoTerm4 = entriesOfTermNeverReach(h, 4, [s2, s3, s4, s5]);
  h.campaign(s1);
  assert.equal(h.node(s1).raft.state, StateType.Leader);
  assert.equal(h.node(s1).raft.term, 4);
  return () => {
    undoS4();
    undoTerm4();
  };
}

test('§5.4.2 Figure 8 (c): a leader never commits an entry of an earlier term by counting replicas', () => {
  const h = newCluster();
  figure8ab(h);
  figure8c(h);
  assert.deepEqual(termsAtIndex3(h, [s1, s2, s3]), [2, 2, 2], 'entry 3 is on a majority');
  assert.equal(h.node(s1).raft.raftLog.term(4), 4);
  assert.equal(h.node(s1).status().commit, 2, 'yet the leader does not commit it');
  for (const id of all) assert.deepEqual(h.appliedTexts(id), [], `member ${id} applied nothing`);
});

test('§5.4.2 Figure 8 (d): the uncommitted earlier-term entry can then be overwritten by a later leader', () => {
  const h = newCluster();
  figure8ab(h);
  figure8c(h);
  // S1 crashes; S5 comes back. Its last entry (term 3) is more up to date
  // than S2's, S3's and S4's (term 2), so they can elect it.
  h.healAll();
  h.isolate(s1);
  h.restart(s5);
  h.campaign(s5); // term 4: S2 and S3 already voted for S1 in term 4
  assert.notEqual(h.node(s5).raft.state, StateType.Leader);
  h.campaign(s5); // term 5
  assert.equal(h.node(s5).raft.state, StateType.Leader);
  assert.equal(h.node(s5).raft.term, 5);
  h.stabilize();
  const survivors = [s2, s3, s4, s5];
  assert.deepEqual(termsAtIndex3(h, survivors), [3, 3, 3, 3], "S5's entry 3 replaced 'x'");
  for (const id of survivors) {
    assert.equal(h.node(id).status().commit, 4);
    assert.deepEqual(h.appliedTexts(id), [], "'x' was never applied anywhere");
  }
  assert.deepEqual(h.appliedTexts(s1), []);
});

test('§5.4.2 Figure 8 (e): committing an entry of the current term commits the earlier one, which can no longer be lost', () => {
  const h = newCluster();
  figure8ab(h);
  const heal = figure8c(h);
  heal(); // S1 stays up and its term-4 entry reaches the others; S5 is still down
  h.tick(s1);
  assert.deepEqual(
    [s1, s2, s3].map((id) => h.node(id).raft.raftLog.term(4)),
    [4, 4, 4],
  );
  assert.equal(h.node(s1).status().commit, 4, 'entries 3 and 4 commit together');
  for (const id of [s1, s2, s3, s4]) assert.deepEqual(h.appliedTexts(id), ['x']);

  // S5 returns and campaigns: a majority holds a term-4 entry, more up to date
  // than S5's term-3 log, so it cannot win and entry 3 survives.
  h.healAll();
  h.restart(s5);
  h.campaign(s5); // term 4, in which everyone already voted
  assert.notEqual(h.node(s5).raft.state, StateType.Leader);
  h.campaign(s5); // term 5: everyone refuses its out-of-date log
  assert.notEqual(h.node(s5).raft.state, StateType.Leader);
  const refusals = h.deliveredWhere(
    (m) => m.type === MessageType.VoteResp && m.to === s5 && m.term === 5,
  );
  assert.deepEqual(
    refusals.map((m) => [m.from, m.reject]),
    [s1, s2, s3, s4].map((id) => [id, true]),
  );
  h.campaign(s1);
  assert.equal(h.leader(), s1);
  h.stabilize();
  for (const id of all) {
    assert.deepEqual(h.appliedTexts(id), ['x'], `member ${id}`);
    assert.equal(h.node(id).raft.raftLog.term(3), 2);
  }
});

test('§5.4.2 Figure 8 with the rule broken (commit by counting): a committed entry is overwritten and state machines diverge', () => {
  // The unsafe knob commits entries of earlier terms by replica count. With it,
  // S1 commits entry 3 in (c) once S2 and S3 hold it, then S5 overwrites it.
  const h = newCluster({ commitEarlierTermByCount: true });
  figure8ab(h);
  h.isolate(s4);
  entriesOfTermNeverReach(h, 4, [s3]); // only S2 receives the term-4 entry
  h.campaign(s1);
  assert.equal(h.node(s1).raft.term, 4);
  assert.equal(h.node(s1).status().commit, 3, 'entry 3 (term 2) committed by counting S1, S2, S3');
  assert.deepEqual(h.appliedTexts(s1), ['x'], "S1 applied 'x' at index 3");
  assert.equal(h.node(s2).status().commit, 3, 'S2 learned that commit');

  // S1 and S2 become unreachable; S5 is elected by S3, S4 and itself.
  h.healAll();
  h.isolate(s1);
  h.isolate(s2);
  h.restart(s5);
  h.campaign(s5); // term 4: S3 already voted for S1
  h.campaign(s5); // term 5: S3 and S4 vote for S5
  assert.equal(h.node(s5).raft.state, StateType.Leader);
  h.stabilize();
  // S3, S4 and S5 applied S5's entry at index 3: State Machine Safety is broken.
  for (const id of [s3, s4, s5]) {
    assert.equal(h.node(id).raft.raftLog.term(3), 3);
    assert.ok(h.node(id).status().applied >= 3);
    assert.deepEqual(h.appliedTexts(id), [], `member ${id} never applied 'x'`);
  }
  // S1 and S2 applied 'x' at index 3; S3, S4 and S5 applied something else there.
  for (const id of [s1, s2]) assert.deepEqual(h.appliedTexts(id), ['x'], `member ${id}`);
});
