// Flow control on the leader (§5.3 made practical, as etcd does it): a
// follower in probe state gets one append at a time; in replicate state the
// leader pipelines appends, bounded by maxInflightMessages and
// maxInflightBytes; each append carries at most maxMessageBytes of entries;
// and the leader refuses proposals past maxUncommittedEntriesBytes.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  entrySizeBytes,
  MessageType,
  ProgressState,
  ProposalDroppedError,
  type Message,
  type NodeId,
} from '../../../store/raft/index.js';
import { bytes, Harness, type MemberOptions } from './harness.js';

const [n1, n2, n3] = [1n, 2n, 3n];
const ids = [n1, n2, n3];

function payload(n: number, fill = 'x'): Uint8Array {
  return bytes(fill.repeat(n));
}

function appendsWithEntriesTo(h: Harness, to: NodeId): Message[] {
  return h.deliveredWhere((m) => m.type === MessageType.App && m.to === to && m.entries.length > 0);
}

function leaderWithReplicatingFollowers(options: MemberOptions): Harness {
  const h = new Harness(ids, options);
  h.campaign(n1);
  for (const id of [n2, n3]) {
    assert.equal(h.node(n1).status().progress?.get(id)?.state, ProgressState.Replicate);
  }
  h.delivered.length = 0;
  return h;
}

const progressOf = (h: Harness, id: NodeId) => h.node(n1).status().progress!.get(id)!;

test('§5.3 pipelining: in replicate state several appends are in flight, at most maxInflightMessages', () => {
  const h = leaderWithReplicatingFollowers({ maxInflightMessages: 3 });
  const acks = h.hold((m) => m.type === MessageType.AppResp && m.from === n2);
  for (const s of ['a', 'b', 'c', 'd', 'e']) h.propose(n1, s);
  assert.equal(appendsWithEntriesTo(h, n2).length, 3, 'three appends sent without waiting');
  assert.equal(progressOf(h, n2).inflights.size(), 3);
  assert.ok(progressOf(h, n2).isPaused());
  assert.equal(appendsWithEntriesTo(h, n3).length, 5, 'the other follower is not held back');
  assert.deepEqual(h.appliedTexts(n1), ['a', 'b', 'c', 'd', 'e']);

  acks.release();
  // The first acknowledgement reopens the window; what waited goes in one append.
  assert.equal(appendsWithEntriesTo(h, n2).length, 4);
  assert.deepEqual(
    appendsWithEntriesTo(h, n2)
      .at(-1)!
      .entries.map((e) => e.index),
    [6, 7],
  );
  assert.equal(progressOf(h, n2).inflights.size(), 0);
  h.tick(n1);
  assert.deepEqual(h.appliedTexts(n2), ['a', 'b', 'c', 'd', 'e']);
});

test('§5.3 pipelining: the window is also bounded by maxInflightBytes', () => {
  const h = leaderWithReplicatingFollowers({ maxInflightBytes: 100, maxMessageBytes: 100 });
  h.hold((m) => m.type === MessageType.AppResp && m.from === n2);
  for (let i = 0; i < 5; i++) {
    h.node(n1).propose(payload(40));
    h.stabilize();
  }
  // 40 + 40 bytes leave room; the third append brings the window to 120 >= 100.
  assert.equal(appendsWithEntriesTo(h, n2).length, 3);
  assert.equal(progressOf(h, n2).inflights.sizeBytes(), 120);
  assert.ok(progressOf(h, n2).isPaused());
});

test('§5.3 catching up, entries are batched up to maxMessageBytes per append', () => {
  const maxMessageBytes = 100;
  const h = leaderWithReplicatingFollowers({ maxMessageBytes });
  const undo = h.addFilter((m) => m.type === MessageType.App && m.to === n2);
  for (let i = 0; i < 10; i++) {
    h.node(n1).propose(payload(30, String(i)));
    h.stabilize();
  }
  undo();
  h.delivered.length = 0;
  h.tick(n1); // the heartbeat answer reveals that member 2 is behind
  const catchUp = appendsWithEntriesTo(h, n2);
  // 30 bytes + 16 bytes of framing each: two entries fit in 100 bytes, three do not.
  assert.deepEqual(
    catchUp.map((m) => m.entries.length),
    [2, 2, 2, 2, 2],
  );
  for (const m of catchUp) {
    const size = m.entries.reduce((n, e) => n + entrySizeBytes(e), 0);
    assert.ok(size <= maxMessageBytes, `append of ${size} bytes`);
  }
  assert.equal(h.appliedTexts(n2).length, 10);
});

test('§5.3 an entry larger than maxMessageBytes still travels, alone', () => {
  const h = leaderWithReplicatingFollowers({ maxMessageBytes: 100 });
  h.node(n1).proposeBatch([payload(500), payload(10)]);
  h.stabilize();
  assert.deepEqual(
    appendsWithEntriesTo(h, n2).map((m) => m.entries.map((e) => e.data.length)),
    [[500], [10]],
  );
  assert.equal(h.appliedTexts(n2).length, 2);
});

test('§5.3 probe state: one append at a time until the follower answers', () => {
  const h = leaderWithReplicatingFollowers({});
  h.node(n1).reportUnreachable(n2);
  assert.equal(progressOf(h, n2).state, ProgressState.Probe);
  const acks = h.hold((m) => m.type === MessageType.AppResp && m.from === n2);
  h.propose(n1, 'a');
  h.propose(n1, 'b');
  h.propose(n1, 'c');
  assert.equal(appendsWithEntriesTo(h, n2).length, 1, 'one probe, then wait');
  assert.ok(progressOf(h, n2).isPaused());
  acks.release();
  assert.equal(progressOf(h, n2).state, ProgressState.Replicate);
  h.tick(n1);
  assert.deepEqual(h.appliedTexts(n2), ['a', 'b', 'c']);
});

test('§5.3 a leader refuses proposals past maxUncommittedEntriesBytes until entries commit', () => {
  const h = new Harness(ids, { maxUncommittedEntriesBytes: 100 });
  h.campaign(n1);
  const heal = h.isolate(n1); // nothing can commit
  h.node(n1).propose(payload(60));
  assert.throws(
    () => h.node(n1).propose(payload(60)),
    (e) => e instanceof ProposalDroppedError && e.reason === 'uncommitted-limit',
  );
  h.node(n1).propose(payload(40)); // exactly at the limit is fine
  assert.throws(
    () => h.node(n1).propose(payload(1)),
    (e) => e instanceof ProposalDroppedError && e.reason === 'uncommitted-limit',
  );
  // Empty entries (like a leader's no-op) are never refused.
  h.node(n1).propose(new Uint8Array(0));
  heal();
  h.tick(n1);
  assert.equal(h.appliedTexts(n2).length, 2);
  h.node(n1).propose(payload(60)); // committed bytes no longer count
});

test('§5.3 a single entry above maxUncommittedEntriesBytes is accepted into an empty pipeline', () => {
  const h = new Harness(ids, { maxUncommittedEntriesBytes: 100 });
  h.campaign(n1);
  h.node(n1).propose(payload(500));
  h.stabilize();
  assert.equal(h.appliedTexts(n2).length, 1);
});

test('§5.3 a follower whose whole pipelining window was lost is caught up by the next heartbeats', () => {
  const h = leaderWithReplicatingFollowers({ maxInflightMessages: 2 });
  const lose = h.addFilter((m) => m.type === MessageType.App && m.to === n2);
  h.propose(n1, 'a');
  h.propose(n1, 'b');
  h.propose(n1, 'c');
  assert.ok(progressOf(h, n2).isPaused(), 'window full of lost appends');
  lose();
  // Nothing will ever acknowledge those appends; the heartbeat answers must
  // reopen the window, or the follower would stay behind forever.
  h.tick(n1, 5);
  assert.deepEqual(h.appliedTexts(n2), ['a', 'b', 'c']);
  assert.equal(progressOf(h, n2).state, ProgressState.Replicate);
});
