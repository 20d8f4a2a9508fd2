// The interval index against a brute-force scan: random ranges added and
// removed, random points stabbed; seeded, so a failure replays.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IntervalTreap } from '../../../../store/mvcc/watch/interval-treap.js';
import { inRange, type WatchRange } from '../../../../store/mvcc/watch/key-range.js';
import { WatcherIndex } from '../../../../store/mvcc/watch/watcher-index.js';
import { HubWatcher, type WatchSink } from '../../../../store/mvcc/watch/watcher.js';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

function randomKey(r: () => number): string {
  const len = 1 + Math.floor(r() * 3);
  let k = '';
  for (let i = 0; i < len; i++) k += String.fromCharCode(97 + Math.floor(r() * 6));
  return k;
}

const seed = Number(process.env['CAPSTAN_SEED'] ?? 1234);

test(`stabbing queries match a brute-force scan (seed ${seed}; CAPSTAN_SEED=${seed} replays)`, () => {
  const r = rng(seed);
  const tree = new IntervalTreap<number>();
  const live = new Map<number, { start: string; end: string | null }>();
  let nextId = 0;
  for (let step = 0; step < 4000; step++) {
    const op = r();
    if (op < 0.5 || live.size === 0) {
      const start = randomKey(r);
      let end: string | null = r() < 0.2 ? null : randomKey(r);
      if (end !== null && end <= start) end = start + '\xff';
      const id = nextId++;
      tree.insert(start, end, id, id);
      live.set(id, { start, end });
    } else if (op < 0.7) {
      const ids = [...live.keys()];
      const id = ids[Math.floor(r() * ids.length)]!;
      assert.equal(tree.remove(live.get(id)!.start, id), true);
      live.delete(id);
    } else {
      const p = randomKey(r);
      const got: number[] = [];
      tree.stab(p, (id) => got.push(id));
      const want = [...live]
        .filter(([, v]) => v.start <= p && (v.end === null || p < v.end))
        .map(([id]) => id);
      assert.deepEqual(
        got.sort((a, b) => a - b),
        want.sort((a, b) => a - b),
        `stab ${p}`,
      );
    }
    assert.equal(tree.size, live.size);
  }
  const all: number[] = [];
  tree.forEach((id) => all.push(id));
  assert.deepEqual(
    all.sort((a, b) => a - b),
    [...live.keys()].sort((a, b) => a - b),
  );
});

test('removing a range that is not there changes nothing', () => {
  const tree = new IntervalTreap<string>();
  tree.insert('a', 'c', 1, 'x');
  assert.equal(tree.remove('a', 2), false);
  assert.equal(tree.remove('b', 1), false);
  assert.equal(tree.size, 1);
});

test('a watcher index matches single keys, ranges and from-key watchers', () => {
  const sink: WatchSink = { ready: () => true, offer: () => true };
  const opts = { prevKv: false, noPut: false, noDelete: false };
  const ranges: WatchRange[] = [
    { key: 'a', end: undefined },
    { key: 'a', end: 'b' },
    { key: 'ab', end: null },
    { key: 'b', end: undefined },
    { key: 'a', end: undefined },
  ];
  const index = new WatcherIndex();
  const watchers = ranges.map((range, i) => new HubWatcher(i + 1, range, opts, sink, i, 1, 1));
  for (const w of watchers) index.add(w);
  for (const key of ['a', 'aa', 'ab', 'b', 'zz', '']) {
    const got: number[] = [];
    index.match(key, (w) => got.push(w.id));
    const want = watchers.filter((w) => inRange(w.range, key)).map((w) => w.id);
    assert.deepEqual(got.sort(), want.sort(), key);
  }
  assert.equal(index.remove(watchers[0]!), true);
  assert.equal(index.remove(watchers[0]!), false);
  assert.equal(index.size, 4);
  assert.equal(index.all().length, 4);
});
