// Leaders that lost their quorum: CheckQuorum (§6.2), the leader lease that
// protects a working leader from vote requests (thesis §4.2.3, §6.2), and a
// stale leader returning after a partition (§5.1: terms expose it).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { EntryType, MessageType, StateType, type NodeId } from '../../../store/raft/index.js';
import { Harness } from './harness.js';

const electionTimeoutTicks = 10;

function storedTexts(h: Harness, id: NodeId): string[] {
  const st = h.get(id).storage;
  return st
    .entries(st.firstIndex(), st.lastIndex() + 1, Number.MAX_SAFE_INTEGER)
    .filter((e) => e.type === EntryType.Normal && e.data.length > 0)
    .map((e) => new TextDecoder().decode(e.data));
}

test('§6.2 CheckQuorum: a leader that hears from no quorum within an election timeout steps down', () => {
  const h = new Harness([1n, 2n, 3n]);
  h.campaign(1n);
  h.isolate(1n);
  let ticks = 0;
  while (h.node(1n).raft.state === StateType.Leader) {
    h.tick(1n);
    ticks++;
    assert.ok(ticks <= 2 * electionTimeoutTicks, 'steps down within two election timeouts');
  }
  // Followers it heard from before the partition count for the current
  // timeout window only, so it needs more than one window to notice.
  assert.ok(ticks > electionTimeoutTicks, `stepped down after ${ticks} ticks`);
  const st = h.node(1n).status();
  assert.equal(st.state, StateType.Follower);
  assert.equal(st.term, 2, 'stepping down is not an election: the term does not move');
  assert.equal(st.lead, 0n);
});

test('§6.2 without CheckQuorum an isolated leader keeps believing it leads', () => {
  const h = new Harness([1n, 2n, 3n], { checkQuorum: false });
  h.campaign(1n);
  h.isolate(1n);
  h.tick(1n, 10 * electionTimeoutTicks);
  assert.equal(h.node(1n).raft.state, StateType.Leader);
});

test('§6.2 leader lease: members that heard from the leader recently ignore higher-term vote requests', () => {
  const h = new Harness([1n, 2n, 3n]);
  h.campaign(1n);
  // Member 3 restarts without PreVote and campaigns straight away.
  h.restart(3n, { preVote: false });
  h.campaign(3n);
  assert.equal(h.node(3n).raft.term, 3);
  const answers = h.deliveredWhere((m) => m.type === MessageType.VoteResp && m.to === 3n);
  assert.deepEqual(answers, [], 'no vote request was even answered');
  assert.equal(h.leader(), 1n);
  assert.equal(h.node(1n).raft.term, 2);
  assert.equal(h.node(2n).raft.term, 2);
});

test('§5.1/§6.2 a stale leader steps down after a partition heals: its uncommitted entries are discarded, committed ones kept', () => {
  const ids = [1n, 2n, 3n, 4n, 5n];
  const majority = [3n, 4n, 5n];
  const h = new Harness(ids);
  h.campaign(1n);
  h.propose(1n, 'committed');
  for (const id of ids) assert.deepEqual(h.appliedTexts(id), ['committed']);

  const heal = h.partition([1n, 2n], majority);
  h.propose(1n, 'lost');
  assert.equal(h.node(1n).status().commit, 3, 'a minority cannot commit (§5.3)');
  assert.deepEqual(storedTexts(h, 2n), ['committed', 'lost']);

  // The majority side stops hearing heartbeats and elects a new leader. The
  // old leader is paused (not ticked), so it still believes it leads.
  let ticks = 0;
  while (!majority.some((id) => h.node(id).raft.state === StateType.Leader)) {
    for (const id of majority) h.tick(id);
    assert.ok(++ticks < 10 * electionTimeoutTicks);
  }
  const newLeader = majority.find((id) => h.node(id).raft.state === StateType.Leader)!;
  assert.equal(h.node(newLeader).raft.term, 3);
  h.propose(newLeader, 'new');
  assert.equal(h.node(1n).raft.state, StateType.Leader, 'the old leader is stale, at term 2');
  assert.equal(h.node(1n).raft.term, 2);

  heal();
  // The stale leader's next heartbeat is answered with term 3: it steps down.
  h.tick(1n);
  assert.equal(h.node(1n).raft.state, StateType.Follower);
  assert.equal(h.node(1n).raft.term, 3);
  // The new leader repairs both stale logs.
  h.tick(newLeader);
  h.stabilize();
  for (const id of ids) {
    assert.deepEqual(h.appliedTexts(id), ['committed', 'new'], `member ${id}`);
    assert.ok(!storedTexts(h, id).includes('lost'), `member ${id} discarded the uncommitted entry`);
    assert.equal(h.node(id).status().lead, newLeader);
  }
});
