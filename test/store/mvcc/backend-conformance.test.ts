// One conformance suite for both mvcc backends: what the store relies on —
// atomic ordered batches, synchronous reads, ordered range iteration from a
// snapshot taken when the iterator is created, range deletion, and data that
// survives close and reopen.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend, BackendEntry } from '../../../store/mvcc/backend.js';
import { LevelBackend } from '../../../store/mvcc/level-backend.js';
import { MemoryBackend } from '../../../store/mvcc/memory-backend.js';
import { b, str, withTempDir } from './helpers.js';

interface Subject {
  name: string;
  /** Runs `fn` with an open backend and a way to reopen the same data. */
  with(fn: (backend: Backend, reopen: () => Promise<Backend>) => Promise<void>): Promise<void>;
}

const subjects: Subject[] = [
  {
    name: 'MemoryBackend',
    async with(fn) {
      const backend = new MemoryBackend();
      await fn(backend, async () => {
        await backend.close();
        return backend.reopen();
      });
    },
  },
  {
    name: 'LevelBackend',
    async with(fn) {
      await withTempDir(async (dir) => {
        let current = await LevelBackend.open(dir);
        try {
          await fn(current, async () => {
            await current.close();
            current = await LevelBackend.open(dir);
            return current;
          });
        } finally {
          await current.close();
        }
      });
    },
  },
];

async function collect(backend: Backend, gte: string, lt: string): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of backend.iterate({ gte: b(gte), lt: b(lt) })) {
    for (const [k, v] of batch as BackendEntry[]) out.push(`${str(k)}=${str(v)}`);
  }
  return out;
}

for (const subject of subjects) {
  describe(`${subject.name} conforms to the mvcc Backend contract`, () => {
    it('reads nothing for a missing key, then what a resolved write put', async () => {
      await subject.with(async (backend) => {
        assert.equal(backend.get(b('a')), undefined);
        await backend.write([{ type: 'put', key: b('a'), value: b('1') }]);
        assert.equal(str(backend.get(b('a'))!), '1');
      });
    });

    it('applies a batch in order: a later op on the same key wins', async () => {
      await subject.with(async (backend) => {
        await backend.write([
          { type: 'put', key: b('a'), value: b('1') },
          { type: 'put', key: b('a'), value: b('2') },
          { type: 'put', key: b('b'), value: b('x') },
          { type: 'del', key: b('b') },
        ]);
        assert.equal(str(backend.get(b('a'))!), '2');
        assert.equal(backend.get(b('b')), undefined);
      });
    });

    it('iterates a half-open range in byte order, including binary keys', async () => {
      await subject.with(async (backend) => {
        const keys = ['b', 'a', '\x00', '\xff', 'ab', 'a\x00', 'c'];
        await backend.write(keys.map((k) => ({ type: 'put', key: b(k), value: b(k) })));
        assert.deepEqual(await collect(backend, 'a', 'c'), ['a=a', 'a\x00=a\x00', 'ab=ab', 'b=b']);
        assert.deepEqual((await collect(backend, '\x00', '\xff\xff')).length, 7);
        assert.deepEqual(await collect(backend, 'c', 'c'), []);
      });
    });

    it('iterates in batches across many entries', async () => {
      await subject.with(async (backend) => {
        const n = 2500;
        const ops = Array.from({ length: n }, (_, i) => ({
          type: 'put' as const,
          key: b(`k${String(i).padStart(5, '0')}`),
          value: b(String(i)),
        }));
        await backend.write(ops);
        const seen = await collect(backend, 'k', 'l');
        assert.equal(seen.length, n);
        assert.equal(seen[0], 'k00000=0');
        assert.equal(seen[n - 1], `k0${n - 1}=${n - 1}`);
      });
    });

    it('reads from a snapshot taken when iterate() is called', async () => {
      await subject.with(async (backend) => {
        await backend.write([{ type: 'put', key: b('a'), value: b('old') }]);
        const it = backend.iterate({ gte: b('a'), lt: b('z') });
        await backend.write([
          { type: 'put', key: b('a'), value: b('new') },
          { type: 'put', key: b('b'), value: b('new') },
        ]);
        const seen: string[] = [];
        for await (const batch of it) for (const [k, v] of batch) seen.push(`${str(k)}=${str(v)}`);
        assert.deepEqual(seen, ['a=old']);
      });
    });

    it('releases an iterator that is left early', async () => {
      await subject.with(async (backend) => {
        await backend.write([{ type: 'put', key: b('a'), value: b('1') }]);
        for await (const batch of backend.iterate({ gte: b('a'), lt: b('z') })) {
          assert.equal(batch.length, 1);
          break;
        }
        const it = backend.iterate({ gte: b('a'), lt: b('z') });
        await it.close();
        assert.equal((await it.next()).done, true);
      });
    });

    it('clears a range and nothing outside it', async () => {
      await subject.with(async (backend) => {
        await backend.write(
          ['a', 'b', 'c', 'd'].map((k) => ({ type: 'put', key: b(k), value: b(k) })),
        );
        await backend.clearRange({ gte: b('b'), lt: b('d') });
        assert.deepEqual(await collect(backend, 'a', 'z'), ['a=a', 'd=d']);
      });
    });

    it('reports a non-negative approximate size', async () => {
      await subject.with(async (backend) => {
        await backend.write([{ type: 'put', key: b('a'), value: new Uint8Array(1000) }]);
        const size = await backend.approximateSize({ gte: b('a'), lt: b('z') });
        assert.ok(Number.isInteger(size) && size >= 0);
      });
    });

    it('compacts a range without changing what it holds', async () => {
      await subject.with(async (backend, reopen) => {
        await backend.write(
          ['a', 'b', 'c', 'd'].map((k) => ({ type: 'put', key: b(k), value: b(k) })),
        );
        await backend.write([{ type: 'del', key: b('b') }]);
        await backend.compact({ gte: new Uint8Array(0), lt: Uint8Array.of(0xff) });
        assert.deepEqual(await collect(backend, 'a', 'z'), ['a=a', 'c=c', 'd=d']);
        const again = await reopen();
        assert.deepEqual(await collect(again, 'a', 'z'), ['a=a', 'c=c', 'd=d']);
      });
    });

    it('keeps every resolved write (synced or not) across close and reopen', async () => {
      await subject.with(async (backend, reopen) => {
        await backend.write([{ type: 'put', key: b('a'), value: b('1') }]);
        await backend.write([{ type: 'put', key: b('b'), value: b('2') }], { sync: true });
        const again = await reopen();
        assert.equal(str(again.get(b('a'))!), '1');
        assert.equal(str(again.get(b('b'))!), '2');
      });
    });

    it('does not alias the caller’s arrays', async () => {
      await subject.with(async (backend) => {
        const value = b('abc');
        await backend.write([{ type: 'put', key: b('a'), value }]);
        value.fill(0x7a);
        assert.equal(str(backend.get(b('a'))!), 'abc');
      });
    });
  });
}
