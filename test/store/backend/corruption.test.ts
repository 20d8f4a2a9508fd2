// Start-up verification (docs/store-design.md): damage above the commit index
// is a torn tail and is cut, durably, with a warning; damage anywhere else
// refuses the start with an error naming the key and the data directory.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { seal } from '../../../store/backend/codec.js';
import { BackendCorruptionError, RaftLogStore } from '../../../store/backend/index.js';
import { entryKey, hardStateKey, identityKey, snapshotKey } from '../../../store/backend/keys.js';
import { encodeEntry } from '../../../store/backend/records.js';
import { ent, ents } from '../raft/storage-conformance.js';
import { deleteKey, flipByte, recordingLogger, withRawDb, withTempDir } from './helpers.js';

const commit = 6;
const snapIndex = 3;

/**
 * A log with a snapshot at 3, compacted to 2 (entries 3..10 kept), commit 6,
 * an identity: every kind of record is present.
 */
async function writeLog(dir: string): Promise<void> {
  const store = await RaftLogStore.open(dir);
  await store.save(
    { entries: ents(1, [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]), hardState: { term: 3, vote: 2n, commit } },
    { sync: true },
  );
  await store.createSnapshot(snapIndex, { voters: [1n, 2n, 3n], learners: [] }, Uint8Array.of(9));
  await store.compact(2);
  await store.saveIdentity({ memberId: 1n, clusterId: 2n });
  await store.close();
}

async function storedEntryIndexes(dir: string): Promise<number[]> {
  const out: number[] = [];
  await withRawDb(dir, async (db) => {
    for await (const key of db.keys({ gte: entryKey(0), lte: entryKey(1000) })) {
      out.push(Number(Buffer.from(key).readBigUInt64BE(1)));
    }
  });
  return out;
}

async function expectTruncated(dir: string, firstDropped: number, reason: RegExp): Promise<void> {
  const logger = recordingLogger();
  const store = await RaftLogStore.open(dir, { logger });
  assert.equal(store.storage.lastIndex(), firstDropped - 1);
  assert.equal(store.truncatedAtOpen?.firstDroppedIndex, firstDropped);
  const warnings = logger.lines.filter((l) => l.level === 'warn');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.fields['firstDroppedIndex'], firstDropped);
  assert.match(String(warnings[0]!.fields['reason']), reason);
  assert.equal(store.storage.hardState().commit, commit, 'the hard state is untouched');
  await store.close();

  // The cut is on disk: the tail is gone and a second open says nothing.
  const stored = await storedEntryIndexes(dir);
  assert.equal(stored.at(-1), firstDropped - 1);
  const quiet = recordingLogger();
  const again = await RaftLogStore.open(dir, { logger: quiet });
  assert.deepEqual(quiet.lines, []);
  assert.equal(again.storage.lastIndex(), firstDropped - 1);
  await again.close();
}

async function expectRefused(dir: string, key: string, problem: RegExp): Promise<void> {
  await assert.rejects(RaftLogStore.open(dir), (err: unknown) => {
    assert.ok(err instanceof BackendCorruptionError, String(err));
    assert.equal(err.key, key);
    assert.equal(err.code, 'BACKEND_CORRUPTION');
    assert.ok(err.message.includes(dir), 'the message names the data directory');
    assert.ok(err.message.includes(` ${key}: `), `the message names ${key}: ${err.message}`);
    assert.match(err.message, problem);
    return true;
  });
  // A refused open releases the database: it can be opened again (LevelDB's lock is free).
  await withRawDb(dir, async () => {});
}

const tornTails: {
  name: string;
  damage: (dir: string) => Promise<void>;
  first: number;
  reason: RegExp;
}[] = [
  {
    name: 'a flipped payload byte in entry 8',
    damage: (d) => flipByte(d, entryKey(8)),
    first: 8,
    reason: /checksum/,
  },
  {
    name: 'a flipped checksum byte in the last entry',
    damage: (d) => flipByte(d, entryKey(10), 0),
    first: 10,
    reason: /checksum/,
  },
  {
    name: 'entry 8 missing',
    damage: (d) => deleteKey(d, entryKey(8)),
    first: 8,
    reason: /missing/,
  },
  {
    name: 'entry 9 holding entry 5',
    damage: (d) => withRawDb(d, (db) => db.put(entryKey(9), encodeEntry(ent(5, 3)))),
    first: 9,
    reason: /holds entry 5/,
  },
  {
    name: 'entry 7 with a lower term than entry 6',
    damage: (d) => withRawDb(d, (db) => db.put(entryKey(7), encodeEntry(ent(7, 1)))),
    first: 7,
    reason: /below the preceding term/,
  },
  {
    name: 'a sealed record msgpackr cannot parse',
    damage: (d) => withRawDb(d, (db) => db.put(entryKey(8), seal(Uint8Array.of(0xc1)))),
    first: 8,
    reason: /undecodable/,
  },
];

for (const tc of tornTails) {
  test(`above the commit index, ${tc.name} is a torn tail: cut from there, with a warning`, () =>
    withTempDir(async (dir) => {
      await writeLog(dir);
      await tc.damage(dir);
      await expectTruncated(dir, tc.first, tc.reason);
    }));
}

const refusals: {
  name: string;
  damage: (dir: string) => Promise<void>;
  key: string;
  problem: RegExp;
}[] = [
  {
    name: 'a flipped byte in the entry at the commit index',
    damage: (d) => flipByte(d, entryKey(commit)),
    key: 'e/6',
    problem: /checksum.*protected index 6/,
  },
  {
    name: 'a flipped byte in an entry below the commit index',
    damage: (d) => flipByte(d, entryKey(4)),
    key: 'e/4',
    problem: /checksum/,
  },
  {
    name: 'a flipped byte in the hard state',
    damage: (d) => flipByte(d, hardStateKey),
    key: 'h',
    problem: /checksum/,
  },
  {
    name: 'a flipped byte in the snapshot record',
    damage: (d) => flipByte(d, snapshotKey),
    key: 's',
    problem: /checksum/,
  },
  {
    name: 'a flipped byte in the identity',
    damage: (d) => flipByte(d, identityKey),
    key: 'i',
    problem: /checksum/,
  },
  {
    name: 'a gap: entry 5 deleted',
    damage: (d) => deleteKey(d, entryKey(5)),
    key: 'e/5',
    problem: /missing \(the next stored entry is 6\)/,
  },
  {
    name: 'the first entry after the log start deleted',
    damage: (d) => deleteKey(d, entryKey(3)),
    key: 'e/3',
    problem: /missing/,
  },
  {
    name: 'the log ending below the commit index',
    damage: async (d) => {
      for (const i of [6, 7, 8, 9, 10]) await deleteKey(d, entryKey(i));
    },
    key: 'e/6',
    problem: /must reach index 6/,
  },
  {
    name: 'the entry at the snapshot index with another term',
    damage: (d) =>
      withRawDb(d, (db) => db.put(entryKey(snapIndex), encodeEntry(ent(snapIndex, 2)))),
    key: 'e/3',
    problem: /snapshot's term/,
  },
];

for (const tc of refusals) {
  test(`${tc.name} refuses the start, naming the key and the directory`, () =>
    withTempDir(async (dir) => {
      await writeLog(dir);
      await tc.damage(dir);
      await expectRefused(dir, tc.key, tc.problem);
    }));
}

test('an undamaged log opens without a word', () =>
  withTempDir(async (dir) => {
    await writeLog(dir);
    const logger = recordingLogger();
    const store = await RaftLogStore.open(dir, { logger });
    assert.deepEqual(logger.lines, []);
    assert.deepEqual([store.storage.firstIndex(), store.storage.lastIndex()], [3, 10]);
    assert.equal(store.truncatedAtOpen, undefined);
    await store.close();
  }));
