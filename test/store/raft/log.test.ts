// Unit tests of RaftLog: the log as the core sees it (persisted entries in
// Storage, then unstable ones), with the follower side of AppendEntries
// (§5.3), the conflict hint, the up-to-date check (§5.4.1) and the commit
// rule (§5.4.2).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CompactedError, RaftInvariantError } from '../../../store/raft/errors.js';
import { RaftLog } from '../../../store/raft/log.js';
import {
  EntryType,
  entrySizeBytes,
  MemoryStorage,
  type Entry,
  type Snapshot,
} from '../../../store/raft/index.js';

function entries(first: number, terms: number[], dataBytes = 0): Entry[] {
  return terms.map((term, i) => ({
    index: first + i,
    term,
    type: EntryType.Normal,
    data: new Uint8Array(dataBytes),
  }));
}

function snap(index: number, term: number): Snapshot {
  return {
    metadata: { index, term, confState: { voters: [1n], learners: [] } },
    data: new Uint8Array(0),
  };
}

interface LogSpec {
  /** Compacted prefix: the snapshot point. */
  snapshot?: [index: number, term: number];
  /** Terms of persisted entries, right after the snapshot point. */
  stable?: number[];
  /** Terms of unstable entries, right after the persisted ones. */
  unstable?: number[];
  committed?: number;
  maxCommittedBytesPerReady?: number;
  dataBytes?: number;
}

function newLog(spec: LogSpec): RaftLog {
  const st = new MemoryStorage();
  const [si, stTerm] = spec.snapshot ?? [0, 0];
  if (si > 0) st.applySnapshot(snap(si, stTerm));
  st.append(entries(si + 1, spec.stable ?? [], spec.dataBytes));
  const log = new RaftLog(st, spec.maxCommittedBytesPerReady ?? Number.MAX_SAFE_INTEGER);
  log.append(entries(st.lastIndex() + 1, spec.unstable ?? [], spec.dataBytes));
  if (spec.committed !== undefined) log.commitTo(spec.committed);
  return log;
}

function termsOf(log: RaftLog): number[] {
  const out: number[] = [];
  for (let i = log.firstIndex(); i <= log.lastIndex(); i++) out.push(log.term(i)!);
  return out;
}

test('RaftLog starts with commit and applied at the snapshot point, unstable right after storage', () => {
  const log = newLog({ snapshot: [5, 2], stable: [2, 3] });
  assert.deepEqual([log.firstIndex(), log.lastIndex(), log.committed, log.applied], [6, 7, 5, 5]);
  assert.equal(log.unstable.offset, 8);
  assert.equal(log.persistedLastIndex(), 7);
});

test('RaftLog.term covers [firstIndex - 1, lastIndex], across storage and unstable', () => {
  const log = newLog({ snapshot: [5, 2], stable: [2, 3], unstable: [4] });
  assert.deepEqual(
    [4, 5, 6, 7, 8, 9].map((i) => log.term(i)),
    [undefined, 2, 2, 3, 4, undefined],
  );
  assert.equal(log.lastTerm(), 4);
  assert.ok(log.matchTerm(7, 3));
  assert.ok(!log.matchTerm(7, 4));
});

test('§5.3 findConflict: the first new or conflicting entry, 0 when all are present', () => {
  const log = newLog({ stable: [1, 2, 3] });
  const cases: [Entry[], number][] = [
    [[], 0],
    [entries(1, [1, 2, 3]), 0],
    [entries(2, [2, 3]), 0],
    [entries(3, [3]), 0],
    [entries(1, [1, 2, 3, 4, 4]), 4],
    [entries(2, [2, 3, 4, 4]), 4],
    [entries(4, [4, 4]), 4],
    [entries(1, [4, 4]), 1],
    [entries(2, [1, 4, 4]), 2],
    [entries(3, [1, 2, 4, 4]), 3],
  ];
  for (const [ents, want] of cases) {
    assert.equal(log.findConflict(ents), want, ents.map((e) => `${e.index}@${e.term}`).join(' '));
  }
});

test('§5.3 findConflictByTerm: the last index at or below `index` whose term is <= `term`', () => {
  // Snapshot at 1 (term 1), then terms 2 2 3 3 5 5 at indexes 2..7.
  const log = newLog({ snapshot: [1, 1], stable: [2, 2, 3, 3, 5, 5] });
  const cases: [number, number, { index: number; term: number }][] = [
    [7, 5, { index: 7, term: 5 }],
    [7, 9, { index: 7, term: 5 }],
    [7, 4, { index: 5, term: 3 }],
    [7, 3, { index: 5, term: 3 }],
    [7, 2, { index: 3, term: 2 }],
    [4, 4, { index: 4, term: 3 }],
    [7, 1, { index: 1, term: 1 }], // the snapshot point
    [7, 0, { index: 0, term: 0 }],
  ];
  for (const [index, term, want] of cases) {
    assert.deepEqual(log.findConflictByTerm(index, term), want, `(${index}, ${term})`);
  }
  // Below the snapshot point the term is unknown: a possible match, term 0.
  const compacted = newLog({ snapshot: [4, 3], stable: [3, 5, 5] });
  assert.deepEqual(compacted.findConflictByTerm(7, 2), { index: 3, term: 0 });
});

test('§5.3 maybeAppend: appends only after a matching entry, truncates conflicts, commits min(leader commit, last new)', () => {
  // Log 1@1 2@2 3@3, committed 1.
  const cases: {
    index: number;
    logTerm: number;
    commit: number;
    ents: Entry[];
    lastNew: number | undefined;
    committed: number;
    terms: number[];
  }[] = [
    // previous entry does not match: refused, nothing changes
    {
      index: 3,
      logTerm: 2,
      commit: 3,
      ents: entries(4, [4]),
      lastNew: undefined,
      committed: 1,
      terms: [1, 2, 3],
    },
    {
      index: 4,
      logTerm: 4,
      commit: 3,
      ents: entries(5, [4]),
      lastNew: undefined,
      committed: 1,
      terms: [1, 2, 3],
    },
    // matches, no entries: commit moves up to the leader's, bounded by the match
    { index: 3, logTerm: 3, commit: 3, ents: [], lastNew: 3, committed: 3, terms: [1, 2, 3] },
    { index: 3, logTerm: 3, commit: 9, ents: [], lastNew: 3, committed: 3, terms: [1, 2, 3] },
    { index: 2, logTerm: 2, commit: 9, ents: [], lastNew: 2, committed: 2, terms: [1, 2, 3] },
    { index: 3, logTerm: 3, commit: 0, ents: [], lastNew: 3, committed: 1, terms: [1, 2, 3] },
    // new entries
    {
      index: 3,
      logTerm: 3,
      commit: 3,
      ents: entries(4, [4]),
      lastNew: 4,
      committed: 3,
      terms: [1, 2, 3, 4],
    },
    {
      index: 3,
      logTerm: 3,
      commit: 9,
      ents: entries(4, [4]),
      lastNew: 4,
      committed: 4,
      terms: [1, 2, 3, 4],
    },
    {
      index: 3,
      logTerm: 3,
      commit: 9,
      ents: entries(4, [4, 4]),
      lastNew: 5,
      committed: 5,
      terms: [1, 2, 3, 4, 4],
    },
    // conflicts truncate the suffix
    {
      index: 2,
      logTerm: 2,
      commit: 3,
      ents: entries(3, [4]),
      lastNew: 3,
      committed: 3,
      terms: [1, 2, 4],
    },
    {
      index: 1,
      logTerm: 1,
      commit: 9,
      ents: entries(2, [4]),
      lastNew: 2,
      committed: 2,
      terms: [1, 4],
    },
    // entries already present: kept as they are
    {
      index: 1,
      logTerm: 1,
      commit: 3,
      ents: entries(2, [2]),
      lastNew: 2,
      committed: 2,
      terms: [1, 2, 3],
    },
  ];
  for (const c of cases) {
    const log = newLog({ stable: [1, 2, 3], committed: 1 });
    const got = log.maybeAppend(c.index, c.logTerm, c.commit, c.ents);
    const name = `(${c.index}, ${c.logTerm}, commit ${c.commit}, ${c.ents.map((e) => `${e.index}@${e.term}`)})`;
    assert.equal(got, c.lastNew, name);
    assert.equal(log.committed, c.committed, name);
    assert.deepEqual(termsOf(log), c.terms, name);
  }
});

test('§5.3 maybeAppend never truncates a committed entry', () => {
  const log = newLog({ stable: [1, 2, 3], committed: 2 });
  assert.throws(() => log.maybeAppend(1, 1, 3, entries(2, [4])), RaftInvariantError);
});

test('RaftLog.append truncates after the first new index and refuses to rewrite committed entries', () => {
  const log = newLog({ stable: [1, 2, 3], committed: 1 });
  assert.equal(log.append([]), 3);
  assert.equal(log.append(entries(4, [3, 3])), 5);
  assert.equal(log.append(entries(3, [5])), 3);
  assert.deepEqual(termsOf(log), [1, 2, 5]);
  assert.equal(log.persistedLastIndex(), 2, 'stored entry 3 is about to be overwritten');
  assert.throws(() => log.append(entries(1, [6])), RaftInvariantError);
});

test('§5.4.1 isUpToDate: a higher last term wins; with equal terms, the longer log', () => {
  const log = newLog({ stable: [1, 2, 3] });
  const cases: [number, number, boolean][] = [
    [2, 4, true],
    [3, 4, true],
    [4, 4, true],
    [2, 2, false],
    [3, 2, false],
    [4, 2, false],
    [2, 3, false],
    [3, 3, true],
    [4, 3, true],
  ];
  for (const [lastIndex, lastTerm, want] of cases) {
    assert.equal(log.isUpToDate(lastIndex, lastTerm), want, `(${lastIndex}, ${lastTerm})`);
  }
});

test('§5.4.2 maybeCommit commits only an entry of the given (current) term, and never moves back', () => {
  const log = newLog({ stable: [1, 2, 2, 3], committed: 1 });
  assert.equal(log.maybeCommit(3, 3), false, 'entry 3 is of term 2, not 3');
  assert.equal(log.committed, 1);
  assert.equal(log.maybeCommit(4, 3), true);
  assert.equal(log.committed, 4);
  assert.equal(log.maybeCommit(2, 2), false, 'never backwards');
  assert.equal(log.committed, 4);
  const unsafe = newLog({ stable: [1, 2, 2, 3], committed: 1 });
  assert.equal(unsafe.maybeCommit(3, 3, true), true, 'the unsafe knob counts any term');
});

test('RaftLog commit and applied stay within applied <= committed <= lastIndex', () => {
  const log = newLog({ stable: [1, 1, 1] });
  assert.throws(() => log.commitTo(4), RaftInvariantError);
  log.commitTo(2);
  log.commitTo(1); // ignored
  assert.equal(log.committed, 2);
  assert.throws(() => log.appliedTo(3), RaftInvariantError);
  log.appliedTo(2);
  assert.throws(() => log.appliedTo(1), RaftInvariantError);
  assert.equal(log.applied, 2);
});

test('RaftLog.slice reads across storage and unstable, limited in bytes but never empty', () => {
  const dataBytes = 10;
  const one = entrySizeBytes(entries(1, [1], dataBytes)[0]!);
  const log = newLog({ snapshot: [2, 1], stable: [1, 2], unstable: [2, 3], dataBytes });
  assert.deepEqual(
    log.slice(3, 7, Number.MAX_SAFE_INTEGER).map((e) => e.index),
    [3, 4, 5, 6],
  );
  assert.deepEqual(
    log.slice(3, 7, 3 * one).map((e) => e.index),
    [3, 4, 5],
    'the limit applies across the storage/unstable boundary',
  );
  assert.deepEqual(
    log.slice(3, 7, 1).map((e) => e.index),
    [3],
  );
  assert.deepEqual(
    log.slice(5, 7, 1).map((e) => e.index),
    [5],
  );
  assert.deepEqual(log.slice(4, 4, 1), []);
  assert.throws(() => log.slice(2, 4, 100), CompactedError);
  assert.throws(() => log.slice(3, 8, 100), RaftInvariantError);
  assert.deepEqual(log.entriesFrom(7, 100), []);
});

test('RaftLog.nextCommittedEnts hands out committed, unapplied entries, bounded per Ready', () => {
  const dataBytes = 10;
  const one = entrySizeBytes(entries(1, [1], dataBytes)[0]!);
  const log = newLog({
    stable: [1, 1, 1, 1],
    committed: 3,
    maxCommittedBytesPerReady: 2 * one,
    dataBytes,
  });
  assert.ok(log.hasNextCommittedEnts());
  assert.deepEqual(
    log.nextCommittedEnts().map((e) => e.index),
    [1, 2],
  );
  log.appliedTo(2);
  assert.deepEqual(
    log.nextCommittedEnts().map((e) => e.index),
    [3],
  );
  log.appliedTo(3);
  assert.ok(!log.hasNextCommittedEnts());
  assert.deepEqual(log.nextCommittedEnts(), []);
});

test('RaftLog.restore installs a snapshot: everything before it is gone, commit moves to it', () => {
  const log = newLog({ stable: [1, 1, 1], committed: 2 });
  log.restore(snap(10, 4));
  assert.deepEqual([log.firstIndex(), log.lastIndex(), log.committed], [11, 10, 10]);
  assert.equal(log.term(10), 4);
  assert.equal(log.term(3), undefined);
  assert.ok(!log.hasNextCommittedEnts(), 'nothing to apply while the snapshot is pending');
  assert.equal(log.snapshot().metadata.index, 10);
  log.stableSnapTo(10);
  assert.equal(log.unstable.snapshot, undefined, 'once persisted, it is no longer unstable');
});
