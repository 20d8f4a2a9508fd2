// Unit tests of Unstable: the entries (and snapshot) the driver has not yet
// persisted, starting at `offset`.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { RaftInvariantError } from '../../../store/raft/errors.js';
import { Unstable } from '../../../store/raft/log-unstable.js';
import { EntryType, type Entry, type Snapshot } from '../../../store/raft/index.js';

function entries(first: number, terms: number[]): Entry[] {
  return terms.map((term, i) => ({
    index: first + i,
    term,
    type: EntryType.Normal,
    data: new Uint8Array(0),
  }));
}

function snap(index: number, term: number): Snapshot {
  return {
    metadata: { index, term, confState: { voters: [1n], learners: [] } },
    data: new Uint8Array(0),
  };
}

function unstable(offset: number, terms: number[], snapshot?: Snapshot): Unstable {
  const u = new Unstable(offset);
  u.entries = entries(offset, terms);
  u.snapshot = snapshot;
  return u;
}

const indexesOf = (u: Unstable) => u.entries.map((e) => `${e.index}@${e.term}`);

test('Unstable first and last index come from the pending snapshot and entries', () => {
  assert.equal(
    unstable(5, [1]).maybeFirstIndex(),
    undefined,
    'entries alone say nothing of the first index',
  );
  assert.equal(unstable(5, [1], snap(4, 1)).maybeFirstIndex(), 5);
  assert.equal(unstable(5, []).maybeLastIndex(), undefined);
  assert.equal(unstable(5, [1, 1]).maybeLastIndex(), 6);
  assert.equal(unstable(5, [], snap(4, 1)).maybeLastIndex(), 4);
});

test('Unstable term of an index: entries, the snapshot point, or unknown', () => {
  const u = unstable(5, [2, 3], snap(4, 1));
  assert.equal(u.maybeTerm(5), 2);
  assert.equal(u.maybeTerm(6), 3);
  assert.equal(u.maybeTerm(4), 1, 'the snapshot point');
  assert.equal(u.maybeTerm(3), undefined);
  assert.equal(u.maybeTerm(7), undefined);
  assert.equal(unstable(5, [2]).maybeTerm(4), undefined, 'below offset without a snapshot');
});

test('Unstable.stableTo drops persisted entries, unless they were replaced meanwhile', () => {
  const u = unstable(5, [1, 1, 2]);
  u.stableTo(6, 1);
  assert.equal(u.offset, 7);
  assert.deepEqual(indexesOf(u), ['7@2']);

  const replaced = unstable(5, [1, 1, 2]);
  replaced.stableTo(6, 9); // the persisted entry 6 had another term: it is no longer ours
  assert.equal(replaced.offset, 5);
  assert.equal(replaced.entries.length, 3);

  const stale = unstable(5, [1]);
  stale.stableTo(4, 1); // already stable
  stale.stableTo(9, 1); // beyond the end
  assert.deepEqual([stale.offset, stale.entries.length], [5, 1]);

  const withSnap = unstable(5, [1], snap(4, 1));
  withSnap.stableTo(4, 1); // the snapshot point is not an entry
  assert.deepEqual([withSnap.offset, withSnap.entries.length], [5, 1]);
});

test('Unstable.stableSnapTo clears only the snapshot it names', () => {
  const u = unstable(5, [], snap(4, 1));
  u.stableSnapTo(3);
  assert.ok(u.snapshot);
  u.stableSnapTo(4);
  assert.equal(u.snapshot, undefined);
});

test('Unstable.restore replaces everything with the snapshot', () => {
  const u = unstable(5, [1, 1]);
  u.restore(snap(20, 4));
  assert.deepEqual([u.offset, u.entries.length, u.snapshot?.metadata.index], [21, 0, 20]);
  assert.equal(u.maybeLastIndex(), 20);
  assert.equal(u.maybeTerm(20), 4);
});

test('Unstable.truncateAndAppend appends, truncates in the middle, or replaces from below the offset', () => {
  const append = unstable(5, [1, 1]);
  append.truncateAndAppend(entries(7, [2]));
  assert.deepEqual(indexesOf(append), ['5@1', '6@1', '7@2']);

  const middle = unstable(5, [1, 1, 1]);
  middle.truncateAndAppend(entries(6, [2, 2, 2]));
  assert.deepEqual(indexesOf(middle), ['5@1', '6@2', '7@2', '8@2']);

  const atOffset = unstable(5, [1, 1]);
  atOffset.truncateAndAppend(entries(5, [3]));
  assert.deepEqual([atOffset.offset, ...indexesOf(atOffset)], [5, '5@3']);

  // Entries from below the offset overwrite persisted ones: the offset moves down.
  const below = unstable(5, [1, 1]);
  below.truncateAndAppend(entries(3, [4, 4]));
  assert.deepEqual([below.offset, ...indexesOf(below)], [3, '3@4', '4@4']);
});

test('Unstable.slice returns [lo, hi) and refuses bounds outside its entries', () => {
  const u = unstable(5, [1, 2, 3]);
  assert.deepEqual(
    u.slice(6, 8).map((e) => e.index),
    [6, 7],
  );
  assert.deepEqual(u.slice(8, 8), []);
  assert.throws(() => u.slice(4, 6), RaftInvariantError);
  assert.throws(() => u.slice(6, 9), RaftInvariantError);
  assert.throws(() => u.slice(7, 6), RaftInvariantError);
});
