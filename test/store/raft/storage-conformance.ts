// The shared conformance suite of raft Storage: every implementation
// (MemoryStorage, store/backend's RaftLogStore) must show the same reads after
// the same writes. Writes are the driver's: persist a Ready's step 1
// (snapshot, entries, hard state), createSnapshot, compact. Each scenario has
// hand-written expectations (so the suite means something for MemoryStorage
// itself) and is checked again after `reopen` — a close and open from disk
// for a durable implementation. Durable implementations also compare random
// write sequences against a MemoryStorage model, with `observe` and
// `applyWrite` from here.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  bootstrapSnapshot,
  CompactedError,
  emptyHardState,
  entrySizeBytes,
  EntryType,
  SnapshotOutOfDateError,
  type MemoryStorage,
  UnavailableError,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
  type Storage,
} from '../../../store/raft/index.js';

/** Step 1 of a Ready, as the driver persists it. */
export interface PersistInput {
  hardState?: HardState;
  entries: readonly Entry[];
  snapshot?: Snapshot;
}

/** An entry whose payload is a function of its index and term, so overwrites show. */
export function ent(index: number, term: number): Entry {
  const data = new Uint8Array(1 + (index % 4) * 8).fill(term & 0xff);
  data[0] = index & 0xff;
  const type = index % 7 === 0 ? EntryType.ConfChange : EntryType.Normal;
  return { index, term, type, data };
}

/** Entries from `first` with the given terms. */
export function ents(first: number, terms: readonly number[]): Entry[] {
  return terms.map((term, k) => ent(first + k, term));
}

/** One storage under test, driven through the writes a raft driver makes. */
export interface StorageUnderTest {
  /** The current read side (a durable implementation returns a new object after reopen). */
  readonly storage: Storage;
  persist(rd: PersistInput): Promise<void>;
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Promise<void>;
  compact(index: number): Promise<void>;
  /** Durable: close and open again from disk. In memory: nothing. */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

export type Write =
  | { op: 'persist'; rd: PersistInput }
  | { op: 'createSnapshot'; index: number; confState: ConfState; data: Uint8Array }
  | { op: 'compact'; index: number };

export async function applyWrite(s: StorageUnderTest, w: Write): Promise<void> {
  if (w.op === 'persist') await s.persist(w.rd);
  else if (w.op === 'createSnapshot') await s.createSnapshot(w.index, w.confState, w.data);
  else await s.compact(w.index);
}

export function applyWriteToModel(m: MemoryStorage, w: Write): void {
  if (w.op === 'persist') m.persist(w.rd);
  else if (w.op === 'createSnapshot') m.createSnapshot(w.index, w.confState, w.data);
  else m.compact(w.index);
}

/** What a storage must show: `terms[k]` is the term at index first - 1 + k. */
interface Expected {
  first: number;
  terms: number[];
  hardState?: HardState;
  snapshot?: Snapshot;
}

const cs: ConfState = { voters: [1n, 2n, 3n], learners: [4n] };
const snapData = Uint8Array.of(7, 7, 7);
const emptySnap: Snapshot = {
  metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } },
  data: new Uint8Array(0),
};
const big = {
  vote: (1n << 64n) - 1n,
  voters: [(1n << 53n) + 1n, 1n << 63n, (1n << 64n) - 2n],
  learners: [(1n << 64n) - 1n],
};

function expectLog(st: Storage, exp: Expected): void {
  const { first, terms } = exp;
  const last = first - 2 + terms.length;
  assert.equal(st.firstIndex(), first, 'firstIndex');
  assert.equal(st.lastIndex(), last, 'lastIndex');
  for (let k = 0; k < terms.length; k++) {
    assert.equal(st.term(first - 1 + k), terms[k], `term(${first - 1 + k})`);
  }
  if (first >= 2) assert.equal(st.term(first - 2), undefined, 'term below the log start');
  assert.equal(st.term(last + 1), undefined, 'term past the end');

  const all = st.entries(first, last + 1, Infinity);
  assert.deepEqual(all, ents(first, terms.slice(1)), 'entries');
  assert.throws(() => st.entries(first - 1, last + 1, Infinity), CompactedError);
  assert.throws(() => st.entries(first, last + 2, Infinity), UnavailableError);
  assert.deepEqual(st.entries(last + 1, last + 1, Infinity), []);
  if (all.length >= 2) {
    const two = entrySizeBytes(all[0]!) + entrySizeBytes(all[1]!);
    assert.equal(st.entries(first, last + 1, 0).length, 1, 'maxBytes 0 still yields one entry');
    assert.equal(st.entries(first, last + 1, two).length, 2, 'maxBytes exactly two entries');
    assert.equal(st.entries(first, last + 1, two - 1).length, 1, 'maxBytes one byte short');
  }

  const snap = exp.snapshot ?? emptySnap;
  assert.deepEqual(st.snapshot(), snap, 'snapshot');
  assert.deepEqual(st.initialState(), {
    hardState: exp.hardState ?? emptyHardState,
    confState: snap.metadata.confState,
  });
}

interface Scenario {
  name: string;
  writes: Write[];
  expected: Expected;
  /** A write that must be refused with this error, leaving `expected` intact. */
  refused?: { write: Write; error: new (...args: never[]) => Error };
}

const hs = (term: number, commit: number, vote = 1n): HardState => ({ term, vote, commit });
const persist = (rd: PersistInput): Write => ({ op: 'persist', rd });
const snapAt = (index: number, term: number, confState = cs): Snapshot => ({
  metadata: { index, term, confState },
  data: snapData,
});

const scenarios: Scenario[] = [
  {
    name: 'empty storage: first index 1, last index 0, term(0) = 0',
    writes: [],
    expected: { first: 1, terms: [0] },
  },
  {
    name: 'entries and hard state are stored',
    writes: [persist({ entries: ents(1, [1, 1, 2, 2, 3]), hardState: hs(3, 2, 2n) })],
    expected: { first: 1, terms: [0, 1, 1, 2, 2, 3], hardState: hs(3, 2, 2n) },
  },
  {
    name: 'a conflicting suffix is overwritten and the longer old tail removed (§5.3)',
    writes: [persist({ entries: ents(1, [1, 1, 1, 1, 1]) }), persist({ entries: ents(3, [2, 2]) })],
    expected: { first: 1, terms: [0, 1, 1, 2, 2] },
  },
  {
    name: 'entries overwrite from their first index even when the terms agree',
    writes: [persist({ entries: ents(1, [1, 1, 1]) }), persist({ entries: ents(2, [1]) })],
    expected: { first: 1, terms: [0, 1, 1] },
  },
  {
    name: 'appending at the end extends the log; hard state alone updates',
    writes: [
      persist({ entries: ents(1, [1, 1]), hardState: hs(1, 1) }),
      persist({ entries: ents(3, [1, 2]), hardState: hs(2, 2) }),
      persist({ entries: [], hardState: hs(2, 4) }),
    ],
    expected: { first: 1, terms: [0, 1, 1, 1, 2], hardState: hs(2, 4) },
  },
  {
    name: 'createSnapshot keeps the entries; compact drops them up to its index',
    writes: [
      persist({ entries: ents(1, [1, 1, 2, 2, 3, 3]), hardState: hs(3, 5) }),
      { op: 'createSnapshot', index: 4, confState: cs, data: snapData },
      { op: 'compact', index: 2 },
    ],
    expected: { first: 3, terms: [1, 2, 2, 3, 3], hardState: hs(3, 5), snapshot: snapAt(4, 2) },
    refused: { write: { op: 'compact', index: 2 }, error: CompactedError },
  },
  {
    name: 'compacting up to the snapshot index leaves the log starting after it',
    writes: [
      persist({ entries: ents(1, [1, 1, 2, 2, 3]), hardState: hs(3, 5) }),
      { op: 'createSnapshot', index: 4, confState: cs, data: snapData },
      { op: 'compact', index: 4 },
    ],
    expected: { first: 5, terms: [2, 3], hardState: hs(3, 5), snapshot: snapAt(4, 2) },
    refused: {
      write: { op: 'createSnapshot', index: 4, confState: cs, data: snapData },
      error: SnapshotOutOfDateError,
    },
  },
  {
    name: 'a snapshot from the leader replaces the whole log (§7)',
    writes: [
      persist({ entries: ents(1, [1, 1, 1]), hardState: hs(1, 1) }),
      persist({ snapshot: snapAt(10, 4), entries: [], hardState: hs(4, 10, 0n) }),
      persist({ entries: ents(11, [4, 5]), hardState: hs(5, 10, 0n) }),
    ],
    expected: { first: 11, terms: [4, 4, 5], hardState: hs(5, 10, 0n), snapshot: snapAt(10, 4) },
    refused: {
      write: persist({ snapshot: snapAt(8, 4), entries: [] }),
      error: SnapshotOutOfDateError,
    },
  },
  {
    name: 'a snapshot and the entries after it in one Ready',
    writes: [
      persist({ entries: ents(1, [1, 1, 1, 1, 1, 1]) }),
      persist({ snapshot: snapAt(3, 2), entries: ents(4, [2, 2]), hardState: hs(2, 3) }),
    ],
    expected: { first: 4, terms: [2, 2, 2], hardState: hs(2, 3), snapshot: snapAt(3, 2) },
  },
  {
    name: 'entries that reach behind the log start are skipped there',
    writes: [
      persist({ entries: ents(1, [1, 1, 1, 1]), hardState: hs(1, 3) }),
      { op: 'createSnapshot', index: 3, confState: cs, data: snapData },
      { op: 'compact', index: 3 },
      persist({ entries: ents(2, [1, 1, 1, 2]) }),
      persist({ entries: ents(1, [1, 1]) }),
    ],
    expected: { first: 4, terms: [1, 1, 2], hardState: hs(1, 3), snapshot: snapAt(3, 1) },
  },
  {
    name: 'snapshot, catch-up entries kept behind it, more entries after',
    writes: [
      persist({
        snapshot: snapAt(10, 4),
        entries: ents(11, [4, 4, 5, 5, 5]),
        hardState: hs(5, 14),
      }),
      { op: 'createSnapshot', index: 14, confState: cs, data: snapData },
      { op: 'compact', index: 12 },
      persist({ entries: ents(16, [6]), hardState: hs(6, 14) }),
    ],
    expected: { first: 13, terms: [4, 5, 5, 5, 6], hardState: hs(6, 14), snapshot: snapAt(14, 5) },
  },
  {
    name: 'a bootstrapped member: the snapshot at index 1 and nothing else',
    writes: [
      persist({ snapshot: bootstrapSnapshot([1n, 2n, 3n]), entries: [], hardState: hs(1, 1, 0n) }),
    ],
    expected: {
      first: 2,
      terms: [1],
      hardState: hs(1, 1, 0n),
      snapshot: bootstrapSnapshot([1n, 2n, 3n]),
    },
  },
  {
    name: 'member ids and votes above 2^53 keep every bit',
    writes: [
      persist({ entries: [ent(1, 1), ent(2, 1)], hardState: hs(1, 2, big.vote) }),
      {
        op: 'createSnapshot',
        index: 2,
        confState: { voters: big.voters, learners: big.learners },
        data: snapData,
      },
    ],
    expected: {
      first: 1,
      terms: [0, 1, 1],
      hardState: hs(1, 2, big.vote),
      snapshot: snapAt(2, 1, { voters: big.voters, learners: big.learners }),
    },
  },
];

export function storageConformance(name: string, open: () => Promise<StorageUnderTest>): void {
  describe(`${name}: Storage conformance`, () => {
    for (const sc of scenarios) {
      test(sc.name, async () => {
        const s = await open();
        try {
          for (const w of sc.writes) await applyWrite(s, w);
          expectLog(s.storage, sc.expected);
          if (sc.refused) {
            await assert.rejects(applyWrite(s, sc.refused.write), sc.refused.error);
            expectLog(s.storage, sc.expected);
          }
          await s.reopen();
          expectLog(s.storage, sc.expected);
        } finally {
          await s.close();
        }
      });
    }
  });
}

export function describeWrite(w: Write): string {
  if (w.op !== 'persist') return `${w.op}(${w.index})`;
  const { snapshot, entries, hardState } = w.rd;
  const parts = [];
  if (snapshot) parts.push(`snapshot ${snapshot.metadata.index}@${snapshot.metadata.term}`);
  if (entries.length > 0) parts.push(`entries ${entries[0]!.index}..${entries.at(-1)!.index}`);
  if (hardState) parts.push(`commit ${hardState.commit}`);
  return `persist(${parts.join(', ')})`;
}

/** Everything a Storage shows through its read API, as one comparable value. */
export function observe(st: Storage): unknown {
  const first = st.firstIndex();
  const last = st.lastIndex();
  const terms = [];
  for (let i = Math.max(0, first - 2); i <= last + 1; i++) terms.push(st.term(i));
  return {
    first,
    last,
    terms,
    entries: st.entries(first, last + 1, Infinity) satisfies Entry[],
    initialState: st.initialState(),
    snapshot: st.snapshot(),
  };
}
