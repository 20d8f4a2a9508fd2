// Linearizable reads with ReadIndex (§6.4, and §8 for the new leader's
// no-op): the read index is the leader's commit index, usable only once the
// leader has committed an entry of its term, and only after a heartbeat round
// confirms that it still leads.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  MessageType,
  ProposalDroppedError,
  StateType,
  type NodeId,
  type UnsafeTestingKnobs,
} from '../../../store/raft/index.js';
import { bytes, Harness } from './harness.js';

const [n1, n2, n3] = [1n, 2n, 3n];
const ids = [n1, n2, n3];

function readsOf(h: Harness, id: NodeId): { index: number; ctx: string }[] {
  return h.get(id).readStates.map((rs) => ({
    index: rs.index,
    ctx: new TextDecoder().decode(rs.requestCtx),
  }));
}

test('§6.4/§8 a new leader answers a read only after its no-op commits, with an index covering every earlier commit', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  // 'a' commits at index 3, but member 2 never hears that it committed.
  const undo = h.addFilter(
    (m) =>
      m.to === n2 &&
      ((m.type === MessageType.App && m.entries.length === 0) || m.type === MessageType.Heartbeat),
  );
  h.propose(n1, 'a');
  undo();
  assert.equal(h.node(n1).status().commit, 3);
  assert.equal(h.node(n2).status().commit, 2);

  // Member 2 becomes leader; its no-op (index 4) cannot commit yet.
  const noAcks = h.addFilter((m) => m.type === MessageType.AppResp && m.to === n2);
  h.node(n1).transferLeader(n2);
  h.stabilize();
  assert.equal(h.leader(), n2);
  const st = h.node(n2).status();
  assert.deepEqual([st.commit, st.lastIndex], [2, 4], 'its commit index (2) is stale');

  h.node(n2).readIndex(bytes('r1'));
  h.stabilize();
  h.tick(n2, 3); // heartbeat rounds alone do not answer it
  assert.deepEqual(readsOf(h, n2), [], 'a read at index 2 would miss the committed entry 3');

  noAcks();
  h.tick(n2);
  assert.equal(h.node(n2).status().commit, 4);
  assert.deepEqual(readsOf(h, n2), [{ index: 4, ctx: 'r1' }]);
});

test('§6.4 a read through a follower is forwarded, confirmed by a heartbeat round, and answered to the follower', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  h.propose(n1, 'a');
  h.delivered.length = 0;
  h.node(n3).readIndex(bytes('r1'));
  h.stabilize();
  assert.deepEqual(readsOf(h, n3), [{ index: 3, ctx: 'r1' }]);
  assert.deepEqual(readsOf(h, n1), []);
  const trace = h.delivered.map((m) => `${MessageType[m.type]} ${m.from}->${m.to}`);
  assert.deepEqual(trace, [
    'ReadIndex 3->1',
    'Heartbeat 1->2',
    'Heartbeat 1->3',
    'HeartbeatResp 2->1', // with the leader itself, a quorum: answered now
    'HeartbeatResp 3->1',
    'ReadIndexResp 1->3',
  ]);
  const beats = h.deliveredWhere((m) => m.type === MessageType.Heartbeat);
  assert.ok(
    beats.every((m) => new TextDecoder().decode(m.context) === 'r1'),
    'beats carry the context',
  );
});

test('§6.4 reads waiting for the same heartbeat round are answered together, in order', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  const acks = h.hold((m) => m.type === MessageType.HeartbeatResp);
  h.node(n1).readIndex(bytes('r1'));
  h.propose(n1, 'a');
  h.node(n1).readIndex(bytes('r2'));
  h.stabilize();
  assert.deepEqual(readsOf(h, n1), []);
  acks.release();
  assert.deepEqual(readsOf(h, n1), [
    { index: 2, ctx: 'r1' },
    { index: 3, ctx: 'r2' },
  ]);
});

function pausedStaleLeader(unsafe: UnsafeTestingKnobs): Harness {
  const h = new Harness(ids, { unsafe });
  h.campaign(n1);
  h.propose(n1, 'a');
  // Leader 1 is cut off and paused; 2 and 3 elect a leader and commit 'b'.
  h.isolate(n1);
  let ticks = 0;
  while (![n2, n3].some((id) => h.node(id).raft.state === StateType.Leader)) {
    h.tick(n2);
    h.tick(n3);
    assert.ok(++ticks < 100);
  }
  const newLeader = [n2, n3].find((id) => h.node(id).raft.state === StateType.Leader)!;
  h.propose(newLeader, 'b');
  assert.equal(h.node(newLeader).status().commit, 5);
  assert.equal(h.node(n1).raft.state, StateType.Leader, 'member 1 still believes it leads');
  return h;
}

test('§6.4 a leader partitioned from the majority never answers a read', () => {
  const h = pausedStaleLeader({});
  h.node(n1).readIndex(bytes('r1'));
  while (h.node(n1).raft.state === StateType.Leader) h.tick(n1);
  // It stepped down (check quorum) without ever answering; the request is gone.
  h.tick(n1, 20);
  assert.deepEqual(readsOf(h, n1), []);
});

test('§6.4 without the heartbeat round (unsafe knob) the stale leader serves a stale read', () => {
  const h = pausedStaleLeader({ readIndexWithoutHeartbeat: true });
  h.node(n1).readIndex(bytes('r1'));
  h.stabilize();
  assert.deepEqual(readsOf(h, n1), [{ index: 3, ctx: 'r1' }], "misses 'b', committed at 5");
});

test('§6.4 a read is refused when there is no leader; a single voter answers at once', () => {
  const h = new Harness(ids);
  assert.throws(
    () => h.node(n1).readIndex(bytes('r1')),
    (e) => e instanceof ProposalDroppedError && e.reason === 'no-leader',
  );
  const solo = new Harness([n1]);
  solo.campaign(n1);
  assert.equal(solo.leader(), n1);
  solo.node(n1).readIndex(bytes('r1'));
  solo.stabilize();
  assert.deepEqual(readsOf(solo, n1), [{ index: 2, ctx: 'r1' }]);
});
