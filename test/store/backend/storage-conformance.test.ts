// Both Storage implementations against the shared conformance suite; the
// durable one also against random write sequences compared with the model,
// across close and reopen.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { RaftLogStore } from '../../../store/backend/index.js';
import { MemoryStorage } from '../../../store/raft/index.js';
import {
  applyWrite,
  applyWriteToModel,
  describeWrite,
  observe,
  storageConformance,
  type StorageUnderTest,
} from '../raft/storage-conformance.js';
import { recordingLogger, removeDir, tempDir } from './helpers.js';
import { randomWrites } from './random-writes.js';

async function memory(): Promise<StorageUnderTest> {
  const st = new MemoryStorage();
  return {
    storage: st,
    persist: async (rd) => st.persist(rd),
    createSnapshot: async (i, cs, data) => void st.createSnapshot(i, cs, data),
    compact: async (i) => st.compact(i),
    reopen: async () => {},
    close: async () => {},
  };
}

async function durable(): Promise<StorageUnderTest> {
  const dir = await tempDir();
  // A clean log must reopen without a word of complaint.
  const logger = recordingLogger();
  let store = await RaftLogStore.open(dir, { logger });
  return {
    get storage() {
      return store.storage;
    },
    persist: (rd) => store.save(rd, { sync: false }),
    createSnapshot: async (i, cs, data) => void (await store.createSnapshot(i, cs, data)),
    compact: (i) => store.compact(i),
    reopen: async () => {
      await store.close();
      store = await RaftLogStore.open(dir, { logger });
      assert.deepEqual(logger.lines, [], 'a clean log reopens without warnings');
    },
    close: async () => {
      await store.close();
      await removeDir(dir);
    },
  };
}

storageConformance('MemoryStorage', memory);
storageConformance('RaftLogStore', durable);

/** Writes per random sequence; every 20th is followed by a reopen. */
const randomSteps = 120;
const seeds = [1, 2, 3, 4, 5, 6, 7, 8];

for (const seed of seeds) {
  test(`RaftLogStore matches the MemoryStorage model on random writes (seed ${seed})`, async () => {
    const s = await durable();
    const model = new MemoryStorage();
    try {
      await randomWrites(seed, model, randomSteps, async (w, step) => {
        const where =
          `seed ${seed}, step ${step}: ${describeWrite(w)}; replay: node --import tsx --test ` +
          `--test-name-pattern="seed ${seed}\\)" test/store/backend/storage-conformance.test.ts`;
        await applyWrite(s, w);
        applyWriteToModel(model, w);
        assert.deepEqual(observe(s.storage), observe(model), where);
        if (step % 20 === 19) {
          await s.reopen();
          assert.deepEqual(observe(s.storage), observe(model), `${where}, after reopen`);
        }
      });
    } finally {
      await s.close();
    }
  });
}
