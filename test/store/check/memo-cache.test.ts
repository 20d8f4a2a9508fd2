// The search's building blocks: the incrementally hashed bitset and the
// configuration cache with subsumption of timed-out operations.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Bitset } from '../../../store/check/bitset.js';
import { CheckInvariantError } from '../../../store/check/errors.js';
import { MemoCache } from '../../../store/check/memo-cache.js';

function bitsetOf(size: number, members: number[]): Bitset {
  const set = new Bitset(size);
  for (const m of members) set.add(m);
  return set;
}

describe('Bitset', () => {
  it('adds, deletes and tests members across word boundaries', () => {
    const set = bitsetOf(100, [0, 31, 32, 99]);
    assert.deepEqual(
      [0, 1, 31, 32, 33, 99].map((i) => set.has(i)),
      [true, false, true, true, false, true],
    );
    set.delete(32);
    assert.equal(set.has(32), false);
  });

  it('hashes by content, whatever the order of changes', () => {
    const a = bitsetOf(70, [3, 64, 5]);
    const b = bitsetOf(70, [5, 9, 3, 64]);
    b.delete(9);
    assert.equal(a.hash(), b.hash());
    assert.ok(a.equalsSnapshot(b.snapshot()));
    assert.notEqual(a.hash(), bitsetOf(70, [3, 64]).hash());
    assert.equal(new Bitset(70).hash(), 0);
    assert.ok(Number.isSafeInteger(a.hash()));
  });

  it('compares with snapshots by inclusion', () => {
    const small = bitsetOf(40, [1, 35]);
    const big = bitsetOf(40, [1, 2, 35]);
    assert.ok(big.containsSnapshot(small.snapshot()));
    assert.ok(!small.containsSnapshot(big.snapshot()));
    assert.ok(small.isWithinSnapshot(big.snapshot()));
    assert.ok(!big.isWithinSnapshot(small.snapshot()));
  });

  it('a snapshot does not follow later changes', () => {
    const set = bitsetOf(8, [1]);
    const before = set.snapshot();
    set.add(2);
    assert.ok(!set.equalsSnapshot(before));
  });

  it('asserts against double adds, missing deletes and out-of-range bits', () => {
    const set = bitsetOf(8, [1]);
    assert.throws(() => set.add(1), CheckInvariantError);
    assert.throws(() => set.delete(2), CheckInvariantError);
    assert.throws(() => set.has(8), CheckInvariantError);
  });
});

describe('MemoCache', () => {
  const SIZE = 8;
  const none = () => new Bitset(SIZE);

  it('visits each (required, state) configuration once', () => {
    const cache = new MemoCache();
    assert.equal(cache.visitIfNew(bitsetOf(SIZE, [0]), '"a"', none()), true);
    assert.equal(cache.visitIfNew(bitsetOf(SIZE, [0]), '"a"', none()), false);
    assert.equal(cache.visitIfNew(bitsetOf(SIZE, [0]), '"b"', none()), true);
    assert.equal(cache.visitIfNew(bitsetOf(SIZE, [1]), '"a"', none()), true);
    assert.equal(cache.size, 3);
  });

  it('skips a configuration that spent a superset of the timed-out operations of one seen', () => {
    const cache = new MemoCache();
    const required = bitsetOf(SIZE, [0]);
    assert.equal(cache.visitIfNew(required, 's', bitsetOf(SIZE, [5])), true);
    assert.equal(cache.visitIfNew(required, 's', bitsetOf(SIZE, [5, 6])), false);
    // Incomparable sets are kept apart: each can still use what the other spent.
    assert.equal(cache.visitIfNew(required, 's', bitsetOf(SIZE, [6])), true);
    assert.equal(cache.size, 2);
  });

  it('a smaller set replaces the supersets recorded before it', () => {
    const cache = new MemoCache();
    const required = bitsetOf(SIZE, [0]);
    cache.visitIfNew(required, 's', bitsetOf(SIZE, [5, 6]));
    cache.visitIfNew(required, 's', bitsetOf(SIZE, [5, 7]));
    assert.equal(cache.visitIfNew(required, 's', bitsetOf(SIZE, [5])), true);
    assert.equal(cache.size, 1);
    assert.equal(cache.visitIfNew(required, 's', bitsetOf(SIZE, [5, 7])), false);
  });
});
