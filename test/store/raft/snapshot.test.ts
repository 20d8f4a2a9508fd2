// Snapshots (§7): a leader that compacted its log catches a far-behind
// follower up with InstallSnapshot; a follower keeps the entries that follow
// a snapshot it already holds; stale snapshots are ignored; a failed transfer
// is retried.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MessageType, newMessage, ProgressState } from '../../../store/raft/index.js';
import { bytes, Harness } from './harness.js';

const [n1, n2, n3] = [1n, 2n, 3n];
const ids = [n1, n2, n3];

/**
 * Member 3 misses terms 2 and 3: its log ends with the term-2 no-op at index
 * 2. Member 2 then leads term 3, and snapshots and compacts everything it
 * applied (index 7, term 3).
 */
function farBehindFollower(): Harness {
  const h = new Harness(ids);
  h.campaign(n1);
  h.isolate(n3);
  h.propose(n1, 'a');
  h.propose(n1, 'b');
  h.node(n1).transferLeader(n2);
  h.stabilize();
  assert.equal(h.leader(), n2);
  assert.equal(h.node(n2).raft.term, 3);
  h.propose(n2, 'c');
  h.propose(n2, 'd');
  const leader = h.get(n2);
  assert.equal(leader.node.status().applied, 7);
  h.snapshot(n2, bytes('state: a b c d'));
  leader.storage.compact(7);
  assert.equal(leader.storage.firstIndex(), 8);
  assert.deepEqual(h.logTerms(n3), [2]);
  return h;
}

test('§7 a follower far behind a compacted leader installs a snapshot whose term differs from its last term', () => {
  const h = farBehindFollower();
  h.healAll();
  h.tick(n2); // heartbeat; member 3 answers, is probed, and its next entry is gone
  const snaps = h.deliveredWhere((m) => m.type === MessageType.Snap);
  assert.equal(snaps.length, 1);
  assert.deepEqual(
    {
      to: snaps[0]!.to,
      index: snaps[0]!.snapshot?.metadata.index,
      term: snaps[0]!.snapshot?.metadata.term,
    },
    { to: n3, index: 7, term: 3 },
  );
  const f = h.get(n3);
  const snap = f.storage.snapshot();
  assert.equal(snap.metadata.index, 7);
  assert.equal(snap.metadata.term, 3, 'the snapshot term (3) differs from its old last term (2)');
  assert.equal(new TextDecoder().decode(snap.data), 'state: a b c d');
  assert.deepEqual(snap.metadata.confState, { voters: ids, learners: [] });
  assert.deepEqual(h.logTerms(n3), [], 'its old log was discarded');
  assert.equal(f.storage.firstIndex(), 8);
  const st = f.node.status();
  assert.deepEqual([st.term, st.lead, st.commit, st.applied], [3, n2, 7, 7]);
  assert.equal(h.node(n2).status().progress?.get(n3)?.state, ProgressState.Replicate);

  // Replication continues from the snapshot.
  h.propose(n2, 'e');
  assert.deepEqual(h.appliedTexts(n3), ['e']);
  assert.equal(f.storage.lastIndex(), 8);
});

test('§7 a follower that already holds the snapshot last entry keeps the entries after it', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  // Member 3 receives entries but not the commit-only messages.
  const undo = h.addFilter(
    (m) =>
      m.to === n3 &&
      ((m.type === MessageType.App && m.entries.length === 0) || m.type === MessageType.Heartbeat),
  );
  h.node(n1).proposeBatch([bytes('a'), bytes('b'), bytes('c')]);
  h.stabilize();
  assert.deepEqual([h.node(n3).status().commit, h.node(n3).status().lastIndex], [2, 5]);

  // The leader snapshots at index 4, and that snapshot reaches member 3 late.
  const leader = h.get(n1);
  const snap = leader.storage.createSnapshot(4, leader.confState, bytes('state: a b'));
  leader.storage.compact(4);
  h.delivered.length = 0;
  h.deliver([newMessage({ type: MessageType.Snap, from: n1, to: n3, term: 2, snapshot: snap })]);

  const f = h.get(n3);
  assert.equal(f.storage.snapshot().metadata.index, 1, 'nothing installed');
  assert.deepEqual(
    h.logTerms(n3),
    [2, 2, 2, 2],
    'entries 2..5 kept, including 5 after the snapshot',
  );
  assert.equal(f.node.status().commit, 4, 'commit moved to the snapshot index');
  assert.deepEqual(h.appliedTexts(n3), ['a', 'b']);
  const resp = h.deliveredWhere((m) => m.type === MessageType.AppResp && m.from === n3);
  assert.deepEqual(
    resp.map((m) => [m.index, m.reject]),
    [[4, false]],
  );

  undo();
  h.tick(n1);
  assert.deepEqual(h.appliedTexts(n3), ['a', 'b', 'c']);
});

test('§7 a snapshot no newer than the follower commit is ignored', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  h.propose(n1, 'a');
  h.propose(n1, 'b');
  const leader = h.get(n1);
  const snap = leader.storage.createSnapshot(3, leader.confState, bytes('state: a'));
  h.delivered.length = 0;
  h.deliver([newMessage({ type: MessageType.Snap, from: n1, to: n3, term: 2, snapshot: snap })]);
  const f = h.get(n3);
  assert.equal(f.storage.snapshot().metadata.index, 1);
  assert.deepEqual([f.node.status().commit, f.storage.lastIndex()], [4, 4]);
  const resp = h.deliveredWhere((m) => m.type === MessageType.AppResp && m.from === n3);
  assert.deepEqual(
    resp.map((m) => m.index),
    [4],
    'it answers with its commit index',
  );
});

test('§7 while a snapshot is in flight the leader sends nothing else; a failed transfer is retried', () => {
  const h = farBehindFollower();
  h.healAll();
  const undoSnap = h.dropType(MessageType.Snap);
  h.tick(n2);
  const pr = () => h.node(n2).status().progress!.get(n3)!;
  assert.equal(pr().state, ProgressState.Snapshot);
  assert.equal(pr().pendingSnapshot, 7);
  h.delivered.length = 0;
  h.tick(n2, 5);
  const toFollower = h.deliveredWhere((m) => m.to === n3);
  assert.ok(
    toFollower.every((m) => m.type === MessageType.Heartbeat),
    'only heartbeats while the snapshot is in flight',
  );
  // The transport reports the failure: the leader probes again on the next
  // heartbeat answer, which needs a new snapshot.
  h.node(n2).reportSnapshot(n3, false);
  assert.equal(pr().state, ProgressState.Probe);
  undoSnap();
  h.tick(n2);
  assert.equal(h.get(n3).storage.snapshot().metadata.index, 7);
  assert.equal(pr().state, ProgressState.Replicate);
  assert.equal(pr().match, 7);
});
