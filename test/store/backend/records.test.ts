// The key layout and record formats of the raft log database.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { encodeRecord } from '../../../store/backend/codec.js';
import {
  describeKey,
  entryIndexOf,
  entryKey,
  firstEntryKey,
  hardStateKey,
  identityKey,
  lastEntryKey,
  snapshotKey,
} from '../../../store/backend/keys.js';
import {
  decodeEntry,
  decodeHardState,
  decodeIdentity,
  decodeSnapshotRecord,
  encodeEntry,
  encodeHardState,
  encodeIdentity,
  encodeSnapshotRecord,
} from '../../../store/backend/records.js';
import { EntryType } from '../../../store/raft/index.js';

test('entry keys sort in index order, across byte boundaries and past 2^32', () => {
  const indexes = [
    0,
    1,
    255,
    256,
    65_535,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 40 + 3,
    Number.MAX_SAFE_INTEGER,
  ];
  const keys = indexes.map(entryKey);
  const sorted = [...keys].sort(Buffer.compare);
  assert.deepEqual(sorted.map(entryIndexOf), indexes);
  assert.ok(Buffer.compare(firstEntryKey, keys[0]!) <= 0);
  assert.ok(Buffer.compare(keys.at(-1)!, lastEntryKey) < 0);
  for (const k of [hardStateKey, snapshotKey, identityKey]) {
    assert.ok(Buffer.compare(k, lastEntryKey) > 0, `${describeKey(k)} sorts after every entry`);
  }
});

test('entryIndexOf refuses what is not an entry key; describeKey names every key', () => {
  assert.equal(entryIndexOf(hardStateKey), undefined);
  assert.equal(entryIndexOf(entryKey(5).subarray(0, 8)), undefined);
  assert.equal(entryIndexOf(lastEntryKey), undefined, 'beyond the safe integers');
  assert.deepEqual([hardStateKey, snapshotKey, identityKey, entryKey(42)].map(describeKey), [
    'h',
    's',
    'i',
    'e/42',
  ]);
});

test('records round-trip, bigint ids above 2^53 included, and data comes back as plain Uint8Array', () => {
  const e = { index: 2 ** 40, term: 7, type: EntryType.ConfChange, data: Uint8Array.of(1, 2, 3) };
  const back = decodeEntry(encodeEntry(e));
  assert.deepEqual(back, e);
  assert.equal(Object.getPrototypeOf(back!.data), Uint8Array.prototype);

  const hs = { term: 3, vote: (1n << 64n) - 1n, commit: 9 };
  assert.deepEqual(decodeHardState(encodeHardState(hs)), hs);
  const none = decodeHardState(encodeHardState({ term: 0, vote: 0n, commit: 0 }));
  assert.equal(typeof none?.vote, 'bigint', 'vote 0 (None) stays a bigint');

  const id = { memberId: (1n << 53n) + 1n, clusterId: 1n << 63n };
  assert.deepEqual(decodeIdentity(encodeIdentity(id)), id);

  const rec = {
    snapshot: {
      metadata: {
        index: 9,
        term: 2,
        confState: { voters: [(1n << 64n) - 1n, 1n], learners: [2n] },
      },
      data: Uint8Array.of(5),
    },
    logStart: { index: 4, term: 1 },
  };
  assert.deepEqual(decodeSnapshotRecord(encodeSnapshotRecord(rec)), rec);
});

test('a record with a valid checksum but the wrong shape is damaged', () => {
  assert.equal(
    decodeEntry(encodeRecord([1, 1, 5, new Uint8Array(0)])),
    undefined,
    'unknown entry type',
  );
  assert.equal(decodeEntry(encodeRecord([1, 1, 0, 'text'])), undefined, 'data not bytes');
  assert.equal(
    decodeEntry(encodeRecord([1.5, 1, 0, new Uint8Array(0)])),
    undefined,
    'fractional index',
  );
  assert.equal(
    decodeHardState(encodeRecord({ term: 1, vote: 1, commit: 0 })),
    undefined,
    'vote not a bigint',
  );
  assert.equal(decodeIdentity(encodeRecord({ memberId: 1n })), undefined, 'missing cluster id');
  const snap = { index: 3, term: 1, voters: [], learners: [], data: new Uint8Array(0) };
  assert.equal(
    decodeSnapshotRecord(encodeRecord({ ...snap, logStartIndex: 4, logStartTerm: 1 })),
    undefined,
    'a log start after the snapshot',
  );
});
