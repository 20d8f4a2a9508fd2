// Unit tests of MemoryStorage, the in-memory Storage: a compacted prefix (the
// snapshot point) followed by contiguous entries.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CompactedError,
  EntryType,
  entrySizeBytes,
  MemoryStorage,
  RaftInvariantError,
  SnapshotOutOfDateError,
  UnavailableError,
  type ConfState,
  type Entry,
} from '../../../store/raft/index.js';

const confState: ConfState = { voters: [1n, 2n, 3n], learners: [] };

function entries(first: number, terms: number[], dataBytes = 0): Entry[] {
  return terms.map((term, i) => ({
    index: first + i,
    term,
    type: EntryType.Normal,
    data: new Uint8Array(dataBytes),
  }));
}

/** Storage compacted up to 3 (term 3), holding entries 4@4 and 5@5. */
function compactedStorage(dataBytes = 0): MemoryStorage {
  const st = new MemoryStorage();
  st.append(entries(1, [1, 2, 3, 4, 5], dataBytes));
  st.compact(3);
  return st;
}

function indexes(ents: Entry[]): string[] {
  return ents.map((e) => `${e.index}@${e.term}`);
}

test('MemoryStorage starts empty: first index 1, last index 0, term(0) = 0', () => {
  const st = new MemoryStorage();
  assert.deepEqual([st.firstIndex(), st.lastIndex(), st.term(0), st.term(1)], [1, 0, 0, undefined]);
  assert.deepEqual(st.initialState(), {
    hardState: { term: 0, vote: 0n, commit: 0 },
    confState: { voters: [], learners: [] },
  });
  assert.equal(st.snapshot().metadata.index, 0);
});

test('MemoryStorage.term knows the snapshot point and the entries, nothing else', () => {
  const st = compactedStorage();
  assert.deepEqual(
    [2, 3, 4, 5, 6].map((i) => st.term(i)),
    [undefined, 3, 4, 5, undefined],
  );
  assert.deepEqual([st.firstIndex(), st.lastIndex()], [4, 5]);
});

test('MemoryStorage.entries: compacted and unavailable ranges are errors; the byte limit keeps at least one', () => {
  const dataBytes = 10;
  const st = compactedStorage(dataBytes);
  const one = entrySizeBytes(entries(1, [1], dataBytes)[0]!);
  assert.throws(() => st.entries(2, 5, Infinity), CompactedError);
  assert.throws(
    () => st.entries(3, 5, Infinity),
    CompactedError,
    'the snapshot point is not an entry',
  );
  assert.throws(() => st.entries(4, 7, Infinity), UnavailableError);
  assert.deepEqual(indexes(st.entries(4, 6, Infinity)), ['4@4', '5@5']);
  assert.deepEqual(indexes(st.entries(4, 6, 2 * one)), ['4@4', '5@5'], 'exactly at the limit');
  assert.deepEqual(indexes(st.entries(4, 6, 2 * one - 1)), ['4@4']);
  assert.deepEqual(indexes(st.entries(4, 6, 0)), ['4@4'], 'never empty');
  assert.deepEqual(st.entries(5, 5, Infinity), []);
});

test('MemoryStorage.append truncates a conflicting suffix and skips what was compacted', () => {
  const cases: { ents: Entry[]; want: string[] }[] = [
    { ents: entries(4, [4, 5]), want: ['4@4', '5@5'] },
    { ents: entries(4, [4, 6, 6]), want: ['4@4', '5@6', '6@6'] },
    { ents: entries(6, [5]), want: ['4@4', '5@5', '6@5'] },
    { ents: entries(5, [6]), want: ['4@4', '5@6'] },
    // starting inside the compacted prefix: that part is ignored
    { ents: entries(2, [3, 3, 7, 7]), want: ['4@7', '5@7'] },
    { ents: entries(1, [1, 2]), want: ['4@4', '5@5'] },
  ];
  for (const c of cases) {
    const st = compactedStorage();
    st.append(c.ents);
    assert.deepEqual(
      indexes(st.entries(4, st.lastIndex() + 1, Infinity)),
      c.want,
      indexes(c.ents).join(' '),
    );
  }
  assert.throws(() => compactedStorage().append(entries(7, [5])), RaftInvariantError, 'a gap');
});

test('MemoryStorage.compact drops entries up to an index and keeps its term as the new snapshot point', () => {
  const st = new MemoryStorage();
  st.append(entries(1, [1, 2, 3, 4, 5]));
  st.compact(3);
  assert.deepEqual([st.firstIndex(), st.lastIndex(), st.term(3)], [4, 5, 3]);
  assert.throws(() => st.compact(3), CompactedError);
  assert.throws(() => st.compact(2), CompactedError);
  assert.throws(() => st.compact(6), RaftInvariantError);
  st.compact(5);
  assert.deepEqual([st.firstIndex(), st.lastIndex(), st.term(5)], [6, 5, 5]);
  st.append(entries(6, [6]));
  assert.equal(st.lastIndex(), 6);
});

test('MemoryStorage.createSnapshot records state at an index without compacting; older snapshots are refused', () => {
  const st = new MemoryStorage();
  st.append(entries(1, [1, 2, 3, 4, 5]));
  const data = new TextEncoder().encode('state');
  const s = st.createSnapshot(4, confState, data);
  assert.deepEqual(s.metadata, { index: 4, term: 4, confState });
  assert.equal(st.snapshot(), s);
  assert.deepEqual([st.firstIndex(), st.lastIndex()], [1, 5], 'not compacted');
  assert.deepEqual(st.initialState().confState, confState);
  assert.throws(() => st.createSnapshot(4, confState, data), SnapshotOutOfDateError);
  assert.throws(() => st.createSnapshot(3, confState, data), SnapshotOutOfDateError);
  assert.throws(() => st.createSnapshot(6, confState, data), RaftInvariantError);
  st.compact(4);
  assert.deepEqual([st.firstIndex(), st.term(4)], [5, 4]);
});

test('MemoryStorage.applySnapshot replaces the whole log; an older snapshot is refused', () => {
  const st = compactedStorage();
  const s = {
    metadata: { index: 10, term: 7, confState },
    data: new Uint8Array(0),
  };
  st.applySnapshot(s);
  assert.deepEqual(
    [st.firstIndex(), st.lastIndex(), st.term(10), st.term(5)],
    [11, 10, 7, undefined],
  );
  assert.throws(() => st.applySnapshot(s), SnapshotOutOfDateError);
});

test('MemoryStorage.persist stores a Ready: snapshot, then entries, then hard state', () => {
  const st = new MemoryStorage();
  st.persist({
    snapshot: { metadata: { index: 5, term: 2, confState }, data: new Uint8Array(0) },
    entries: entries(6, [2, 3]),
    hardState: { term: 3, vote: 2n, commit: 6 },
  });
  assert.deepEqual([st.firstIndex(), st.lastIndex(), st.term(7)], [6, 7, 3]);
  assert.deepEqual(st.initialState(), { hardState: { term: 3, vote: 2n, commit: 6 }, confState });
  st.persist({ entries: [] }); // nothing changes without a hard state
  assert.deepEqual(st.hardState(), { term: 3, vote: 2n, commit: 6 });
});
