// Snapshot export and import: a consistent copy of the whole state as of the
// call, installed whole or not at all; damaged streams are refused and leave
// the old state as it was.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode, encode } from '../../../store/backend/codec.js';
import type { Command } from '../../../store/mvcc/command.js';
import {
  LevelBackend,
  MemoryBackend,
  MvccStore,
  SnapshotInvalidError,
} from '../../../store/mvcc/index.js';
import { CrashBackend } from './crash-backend.js';
import { b, Harness, openStore, waitFor, withTempDir } from './helpers.js';

/** A store with history, a compaction and members; revision 31. */
async function source(): Promise<Harness> {
  const h = await Harness.memory();
  h.term = 4;
  const cmds: Command[] = [];
  for (let i = 0; i < 30; i++) {
    const key = b(`key-${i % 7}`);
    cmds.push(
      i % 5 === 4
        ? { deleteRange: { key } }
        : { put: { key, value: b(`value-${i}`.repeat(i)), lease: BigInt(i) << 40n } },
    );
  }
  cmds.push({ compaction: { revision: 12 } });
  cmds.push({
    memberUpsert: {
      member: {
        id: 99n,
        name: 'n',
        peerUrls: ['http://127.0.0.1:9'],
        clientUrls: [],
        isLearner: false,
      },
    },
  });
  h.applyAll(cmds);
  return h;
}

/** A payload as the stream frames it: a 4-byte big-endian length first. */
function framed(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(payload, 4);
  return out;
}

/** The same bytes cut into pieces of `size` bytes, as a transport may deliver them. */
function recut(chunks: readonly Uint8Array[], size: number): Uint8Array[] {
  const all = Buffer.concat(chunks);
  const out: Uint8Array[] = [];
  for (let i = 0; i < all.length; i += size) out.push(all.subarray(i, i + size));
  return out;
}

async function chunksOf(store: MvccStore, chunkBytes?: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of store.exportSnapshot(chunkBytes)) out.push(chunk);
  return out;
}

async function sameState(a: MvccStore, b2: MvccStore): Promise<void> {
  assert.equal(b2.currentRevision(), a.currentRevision());
  assert.equal(b2.compactedRevision(), a.compactedRevision());
  assert.equal(b2.appliedIndex(), a.appliedIndex());
  assert.equal(b2.appliedTerm(), a.appliedTerm());
  assert.deepEqual(b2.members(), a.members());
  assert.deepEqual(await b2.hashKV(0), await a.hashKV(0));
  assert.equal(await b2.hash(), await a.hash());
  const ha = new Harness(a, new MemoryBackend());
  const hb = new Harness(b2, new MemoryBackend());
  for (let rev = a.compactedRevision(); rev <= a.currentRevision(); rev++) {
    assert.deepEqual(hb.all(rev), ha.all(rev), `revision ${rev}`);
  }
}

describe('exportSnapshot → importSnapshot', () => {
  it('reproduces the state exactly in a fresh store (small chunks)', async () => {
    const src = await source();
    const chunks = await chunksOf(src.store, 256);
    assert.ok(chunks.length > 5, 'several data chunks');
    const copy = await MvccStore.importSnapshot(new MemoryBackend(), chunks);
    await sameState(src.store, copy);
  });

  it('imports the same state however the byte stream was cut (a transport re-cuts it)', async () => {
    const src = await source();
    const chunks = await chunksOf(src.store, 256);
    for (const size of [1, 7, 1000, 1 << 20]) {
      const copy = await MvccStore.importSnapshot(new MemoryBackend(), recut(chunks, size));
      await sameState(src.store, copy);
    }
  });

  it('reproduces the state in a LevelBackend, and the copy keeps applying like the original', async () => {
    await withTempDir(async (dir) => {
      const src = await source();
      const copy = await MvccStore.importSnapshot(
        await LevelBackend.open(dir),
        src.store.exportSnapshot(),
      );
      try {
        await sameState(src.store, copy);
        const next: Command = { put: { key: b('key-1'), value: b('after') } };
        const index = src.store.appliedIndex() + 1;
        src.store.applyEntries([{ index, term: 5, command: next }]);
        copy.applyEntries([{ index, term: 5, command: next }]);
        await sameState(src.store, copy);
      } finally {
        await copy.close();
      }
    });
  });

  it('is consistent as of the call: entries applied afterwards are not in it', async () => {
    const src = await source();
    const before = await src.store.hashKV(0);
    const stream = src.store.exportSnapshot(128);
    src.put('late', 'x');
    src.compact(25);
    const copy = await MvccStore.importSnapshot(new MemoryBackend(), stream);
    assert.deepEqual(await copy.hashKV(0), before);
    assert.equal(copy.compactedRevision(), 12);
  });

  it('a consumer that stops early releases the snapshot; the store goes on', async () => {
    const src = await source();
    for await (const chunk of src.store.exportSnapshot(64)) {
      assert.ok(chunk.length > 0);
      break;
    }
    src.put('after', 'x');
    await src.store.flush();
    assert.equal(src.store.range({ key: b('after') }).count, 1);
  });

  it('replaces whatever state the target had', async () => {
    const src = await source();
    const target = await Harness.memory();
    target.put('other', 'x');
    await target.store.flush();
    const copy = await MvccStore.importSnapshot(target.backend, await chunksOf(src.store));
    await sameState(src.store, copy);
    assert.deepEqual(copy.range({ key: b('other') }).kvs, []);
  });
});

describe('a damaged stream is refused and the old state stays', () => {
  async function refused(mutate: (chunks: Uint8Array[]) => Uint8Array[], why: RegExp) {
    const src = await source();
    const chunks = await chunksOf(src.store, 200);
    const target = await Harness.memory();
    target.put('mine', 'kept');
    await target.store.flush();
    const hashBefore = await target.store.hash();
    await assert.rejects(
      MvccStore.importSnapshot(target.backend, mutate(chunks)),
      (e) => e instanceof SnapshotInvalidError && why.test(e.message),
    );
    const reopened = await openStore(target.backend);
    assert.equal(await reopened.hash(), hashBefore);
    assert.equal(reopened.range({ key: b('mine') }).kvs.length, 1);
  }

  it('a flipped byte in a data chunk', async () => {
    await refused((c) => {
      const copy = c.map((x) => new Uint8Array(x));
      const victim = copy[3]!;
      victim[victim.length - 2]! ^= 0x01;
      return copy;
    }, /checksum|damaged|decode/);
  });

  it('a missing end (truncated)', async () => {
    await refused((c) => c.slice(0, -1), /truncated/);
  });

  it('a missing middle chunk', async () => {
    await refused((c) => [...c.slice(0, 2), ...c.slice(3)], /missing or out of order/);
  });

  it('two chunks swapped', async () => {
    await refused((c) => [c[0]!, c[2]!, c[1]!, ...c.slice(3)], /missing or out of order/);
  });

  it('a chunk after the end', async () => {
    await refused((c) => [...c, c[1]!], /after the end/);
  });

  it('an end whose checksum does not match', async () => {
    await refused((c) => {
      const end = decode<[string, number, number]>(c[c.length - 1]!.subarray(4));
      return [...c.slice(0, -1), framed(encode([end[0], end[1], (end[2] + 1) >>> 0]))];
    }, /checksum/);
  });

  it('not a snapshot at all', async () => {
    await refused(() => [framed(encode(['hello', 1]))], /not a capstan mvcc snapshot/);
    await refused(() => [], /truncated/);
  });

  it('a stream that ends inside a frame', async () => {
    await refused((c) => [...c.slice(0, -1), c[c.length - 1]!.subarray(0, 6)], /inside a frame/);
  });
});

describe('a crash while installing', () => {
  it('is finished on the next open: the new state, never a mix', async () => {
    const src = await source();
    const chunks = await chunksOf(src.store, 100_000);
    const dataChunks = chunks.length - 2;
    const inner = new MemoryBackend();
    const target = new Harness(await openStore(inner), inner);
    target.put('old', 'x');
    await target.store.flush();
    const crash = new CrashBackend(inner.reopen());
    // Staged chunks and the marker are written; the first install write is lost.
    crash.crashAfter(dataChunks + 1);
    void MvccStore.importSnapshot(crash, chunks);
    await waitFor(() => crash.lost === 1);
    const reopened = await openStore(inner.reopen());
    await sameState(src.store, reopened);
  });
});
