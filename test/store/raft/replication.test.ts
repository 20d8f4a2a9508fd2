// Log replication (§5.3): commit by majority, the AppendEntries consistency
// check, repair of a conflicting follower with the fast-backtracking hint,
// and what heartbeats promise about commit.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MessageType, ProposalDroppedError, type Term } from '../../../store/raft/index.js';
import { bytes, Harness, storageWithLog } from './harness.js';

const [n1, n2, n3] = [1n, 2n, 3n];
const ids = [n1, n2, n3];

/** `count` copies of `term`: a run of entries written in one term. */
function run(term: Term, count: number): Term[] {
  return new Array<Term>(count).fill(term);
}

test('§5.3 an entry is committed once a majority stores it, and every member applies it in order', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  const undo = h.isolate(n3);
  h.propose(n1, 'a');
  h.propose(n1, 'b');
  assert.equal(h.node(n1).status().commit, 4, 'leader and member 2 are a majority');
  assert.deepEqual(h.appliedTexts(n1), ['a', 'b']);
  assert.deepEqual(h.appliedTexts(n3), []);
  undo();
  h.tick(n1); // the next heartbeat finds member 3 behind and sends it the entries
  for (const id of ids) {
    assert.deepEqual(h.appliedTexts(id), ['a', 'b']);
    assert.deepEqual(h.logTerms(id), [2, 2, 2]);
  }
});

test('§5.3 a single voter commits an entry as soon as it has persisted it', () => {
  const h = new Harness([n1]);
  h.campaign(n1);
  h.node(n1).propose(bytes('a'));
  assert.equal(h.node(n1).status().commit, 2, 'not before its Ready is persisted');
  h.stabilize();
  assert.equal(h.node(n1).status().commit, 3);
  assert.deepEqual(h.appliedTexts(n1), ['a']);
});

test('§5.1 a follower forwards proposals to the leader, unless forwarding is disabled', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  h.propose(n3, 'via follower');
  for (const id of ids) assert.deepEqual(h.appliedTexts(id), ['via follower']);

  const strict = new Harness(ids, { disableProposalForwarding: true });
  assert.throws(
    () => strict.propose(n1, 'no leader yet'),
    (e) => e instanceof ProposalDroppedError && e.reason === 'no-leader',
  );
  strict.campaign(n1);
  assert.throws(
    () => strict.propose(n3, 'refused'),
    (e) => e instanceof ProposalDroppedError && e.reason === 'forwarding-disabled',
  );
});

test('§5.3 consistency check: a follower refuses an append whose previous entry it does not hold', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  const undo = h.dropType(MessageType.App);
  h.propose(n1, 'a');
  undo();
  h.delivered.length = 0;
  h.propose(n1, 'b'); // the append for 'b' says "after index 3", which the followers lack
  const rejects = h.deliveredWhere((m) => m.type === MessageType.AppResp && m.reject);
  assert.deepEqual(
    rejects.map((m) => ({ from: m.from, index: m.index, rejectHint: m.rejectHint })),
    [
      { from: n2, index: 3, rejectHint: 2 },
      { from: n3, index: 3, rejectHint: 2 },
    ],
  );
  for (const id of ids) assert.deepEqual(h.appliedTexts(id), ['a', 'b'], 'repaired at once');
});

test('§5.3 a follower commits no further than the leader commit and the end of what it received', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  // Member 3 gets the entries, but never the messages that would tell it
  // they committed (empty appends and heartbeats).
  h.addFilter(
    (m) =>
      m.to === n3 &&
      ((m.type === MessageType.App && m.entries.length === 0) || m.type === MessageType.Heartbeat),
  );
  h.propose(n1, 'a');
  h.propose(n1, 'b');
  assert.equal(h.node(n1).status().commit, 4);
  assert.equal(h.node(n3).status().lastIndex, 4);
  assert.equal(h.node(n3).status().commit, 3, "learned from the append carrying 'b'");
  assert.deepEqual(h.appliedTexts(n3), ['a']);
});

test('§5.3 heartbeats carry commit = min(follower match, leader commit), never beyond the follower log', () => {
  const h = new Harness(ids);
  h.campaign(n1);
  h.addFilter((m) => m.type === MessageType.App && m.to === n3);
  h.propose(n1, 'a');
  h.propose(n1, 'b');
  assert.equal(h.node(n1).status().commit, 4);
  h.delivered.length = 0;
  h.tick(n1);
  const beats = h.deliveredWhere((m) => m.type === MessageType.Heartbeat);
  assert.deepEqual(
    beats.map((m) => ({ to: m.to, commit: m.commit })),
    [
      { to: n2, commit: 4 },
      { to: n3, commit: 2 }, // member 3 only holds up to index 2
    ],
  );
  assert.equal(h.node(n3).status().commit, 2);
});

// Follower 3's log conflicts with the leader's over a long suffix spanning
// several terms. Entries from index 2; indexes 2..4 (term 2) are common and
// committed. The fast-backtracking hint (§5.3, end of the section) lets the
// leader skip a whole term per rejected append, instead of one entry.
const conflictCases: {
  name: string;
  leader: Term[];
  follower: Term[];
  /** Distinct terms in the follower's conflicting suffix. */
  conflictingTerms: number;
  conflictingEntries: number;
  /** What the hint achieves here (the bound is `conflictingTerms`). */
  rejectedAppends: number;
}[] = [
  {
    name: 'follower terms lower than the leader tail',
    leader: [...run(2, 3), ...run(6, 20), ...run(7, 20)],
    follower: [...run(2, 3), ...run(3, 10), ...run(4, 10), ...run(5, 30)],
    conflictingTerms: 3,
    conflictingEntries: 50,
    rejectedAppends: 1,
  },
  {
    name: 'follower terms interleaved with the leader tail',
    leader: [...run(2, 3), ...run(3, 20), ...run(7, 20)],
    follower: [...run(2, 3), ...run(4, 10), ...run(5, 10), ...run(6, 30)],
    conflictingTerms: 3,
    conflictingEntries: 50,
    rejectedAppends: 2,
  },
  {
    name: 'short leader tail, follower with many short terms',
    leader: [...run(2, 3), ...run(8, 30)],
    follower: [...run(2, 3), ...run(3, 4), ...run(4, 4), ...run(5, 4), ...run(6, 4), ...run(7, 4)],
    conflictingTerms: 5,
    conflictingEntries: 20,
    rejectedAppends: 1,
  },
  {
    name: 'follower only behind, no conflict',
    leader: [...run(2, 3), ...run(3, 40)],
    follower: [...run(2, 3), ...run(3, 5)],
    conflictingTerms: 0,
    conflictingEntries: 0,
    rejectedAppends: 1,
  },
];

for (const c of conflictCases) {
  test(`§5.3 log conflict repair with the fast-backtracking hint: ${c.name}`, () => {
    const leaderTerm = Math.max(...c.leader);
    const h = new Harness([], { preVote: false });
    for (const id of [n1, n2]) {
      h.add(
        id,
        undefined,
        storageWithLog(ids, c.leader, { term: leaderTerm, vote: 0n, commit: 4 }),
      );
    }
    const followerTerm = Math.max(...c.follower);
    h.add(
      n3,
      undefined,
      storageWithLog(ids, c.follower, { term: followerTerm, vote: 0n, commit: 4 }),
    );

    h.campaign(n1);
    assert.equal(h.leader(), n1);
    h.stabilize();

    const rejects = h.deliveredWhere(
      (m) => m.type === MessageType.AppResp && m.from === n3 && m.reject,
    );
    assert.ok(
      rejects.length <= Math.max(c.conflictingTerms, 1),
      `${rejects.length} rejected appends for ${c.conflictingTerms} conflicting terms`,
    );
    assert.equal(rejects.length, c.rejectedAppends);
    const expected = [...c.leader, leaderTerm + 1]; // plus the new leader's no-op
    for (const id of ids) assert.deepEqual(h.logTerms(id), expected, `member ${id}`);
    assert.equal(h.node(n3).status().commit, expected.length + 1);
  });
}
