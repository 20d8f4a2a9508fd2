// The timing half of the lessor, on a manual clock: who expires what and
// when, what a promotion and a demotion do, renewals, checkpoints, and the
// spreading of piled-up expiries (etcd's lease/lessor.go behaviour).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../../store/lease/clock.js';
import { Lessor } from '../../../store/lease/lessor.js';
import { spreadExpiries } from '../../../store/lease/spread.js';
import type { Lease } from '../../../store/mvcc/index.js';

const s = 1000;

function lessor(leases: Lease[] = [], o: { checkpointIntervalMs?: number } = {}) {
  const clock = new ManualClock(1_000_000);
  const l = new Lessor(
    {
      clock,
      checkpointIntervalMs: o.checkpointIntervalMs ?? 300 * s,
      revokeRetryMs: 3 * s,
      revokePerSecond: 1000,
    },
    leases,
  );
  return { clock, l };
}

const lease = (id: bigint, ttl: number, remainingTtl = 0): Lease => ({ id, ttl, remainingTtl });

describe('a member that is not the primary', () => {
  test('mirrors the leases but never expires, renews or measures them', () => {
    const { clock, l } = lessor([lease(1n, 5)]);
    l.apply([{ type: 'grant', lease: lease(2n, 5) }]);
    clock.advance(3600 * s);
    assert.deepEqual(l.expired(100), []);
    assert.deepEqual(l.dueCheckpoints(100), []);
    assert.deepEqual(l.renew(1n), { kind: 'not-primary' });
    assert.equal(l.lookup(2n)?.remainingMs, Infinity);
    assert.deepEqual(
      l.list().map((v) => v.id),
      [1n, 2n],
    );
  });

  test('follows revokes and checkpoints', () => {
    const { l } = lessor([lease(1n, 50), lease(2n, 50)]);
    l.apply([
      { type: 'revoke', id: 1n },
      { type: 'checkpoint', lease: lease(2n, 50, 20) },
    ]);
    assert.equal(l.has(1n), false);
    assert.equal(l.lookup(2n)?.remainingTtl, 20);
  });
});

describe('promotion', () => {
  test('every lease restarts from its TTL plus the extension, and expires exactly then', () => {
    const { clock, l } = lessor([lease(1n, 10)]);
    l.promote(1 * s);
    assert.equal(l.lookup(1n)?.remainingMs, 11 * s);
    clock.advance(11 * s - 1);
    assert.deepEqual(l.expired(100), []);
    clock.advance(1);
    assert.deepEqual(l.expired(100), [1n]);
  });

  test('a checkpointed lease restarts from its remaining TTL, not its full TTL', () => {
    const { l } = lessor([lease(1n, 600, 42)]);
    l.promote(1 * s);
    assert.equal(l.lookup(1n)?.remainingMs, 43 * s);
  });

  test('a lease granted while primary expires one TTL after the grant applied', () => {
    const { clock, l } = lessor();
    l.promote(1 * s);
    clock.advance(5 * s);
    l.apply([{ type: 'grant', lease: lease(7n, 3) }]);
    assert.equal(l.lookup(7n)?.remainingMs, 3 * s);
  });

  test('demotion stops all expiry; a later promotion extends again from then', () => {
    const { clock, l } = lessor([lease(1n, 10)]);
    l.promote(1 * s);
    clock.advance(9 * s);
    l.demote();
    clock.advance(100 * s);
    assert.deepEqual(l.expired(100), []);
    assert.equal(l.lookup(1n)?.remainingMs, Infinity);
    l.promote(2 * s);
    assert.equal(l.lookup(1n)?.remainingMs, 12 * s);
  });
});

describe('renewal on the primary', () => {
  test('extends the lease by its TTL from now and answers the TTL', () => {
    const { clock, l } = lessor([lease(1n, 10)]);
    l.promote(1 * s);
    clock.advance(8 * s);
    assert.deepEqual(l.renew(1n), { kind: 'renewed', ttl: 10, clearCheckpoint: false });
    assert.equal(l.lookup(1n)?.remainingMs, 10 * s);
    clock.advance(9 * s);
    assert.deepEqual(l.expired(100), []);
  });

  test('an expired lease is not renewed (the caller waits for its revoke)', () => {
    const { clock, l } = lessor([lease(1n, 10)]);
    l.promote(0);
    clock.advance(10 * s);
    assert.deepEqual(l.renew(1n), { kind: 'expired' });
    assert.deepEqual(l.renew(99n), { kind: 'not-found' });
  });

  test('a lease with a checkpointed remaining TTL asks for the checkpoint to be cleared', () => {
    const { l } = lessor([lease(1n, 600, 100)]);
    l.promote(0);
    assert.deepEqual(l.renew(1n), { kind: 'renewed', ttl: 600, clearCheckpoint: true });
    l.apply([{ type: 'checkpoint', lease: lease(1n, 600, 0) }]);
    assert.deepEqual(l.renew(1n), { kind: 'renewed', ttl: 600, clearCheckpoint: false });
  });
});

describe('expired leases', () => {
  test('come out soonest first, at most `limit` at a time', () => {
    const { clock, l } = lessor([lease(1n, 3), lease(2n, 1), lease(3n, 2), lease(4n, 100)]);
    l.promote(0);
    clock.advance(5 * s);
    assert.deepEqual(l.expired(2), [2n, 3n]);
    assert.deepEqual(l.expired(2), [1n]);
    assert.deepEqual(l.expired(2), []);
  });

  test('one whose revoke did not happen is handed out again after the retry interval', () => {
    const { clock, l } = lessor([lease(1n, 1), lease(2n, 1)]);
    l.promote(0);
    clock.advance(1 * s);
    assert.deepEqual(l.expired(10), [1n, 2n]);
    l.apply([{ type: 'revoke', id: 2n }]);
    clock.advance(3 * s - 1);
    assert.deepEqual(l.expired(10), []);
    clock.advance(1);
    assert.deepEqual(l.expired(10), [1n]);
  });
});

describe('checkpoints', () => {
  test('a long lease is checkpointed every interval with its remaining TTL, rounded up', () => {
    const { clock, l } = lessor([lease(1n, 100)], { checkpointIntervalMs: 10 * s });
    l.promote(0);
    clock.advance(10 * s - 1);
    assert.deepEqual(l.dueCheckpoints(10), []);
    clock.advance(1 + 300);
    const first = l.dueCheckpoints(10);
    assert.deepEqual(first, [{ id: 1n, remainingTtl: 90 }]);
    l.apply([{ type: 'checkpoint', lease: lease(1n, 100, 90) }]);
    clock.advance(10 * s);
    assert.deepEqual(l.dueCheckpoints(10), [{ id: 1n, remainingTtl: 80 }]);
  });

  test('a lease no longer than the interval is never checkpointed', () => {
    const { clock, l } = lessor([lease(1n, 10)], { checkpointIntervalMs: 10 * s });
    l.promote(0);
    for (let i = 0; i < 5; i++) {
      clock.advance(2 * s);
      assert.deepEqual(l.dueCheckpoints(10), []);
    }
  });

  test('a lease renewed since has nothing to record, and is checked again later', () => {
    const { clock, l } = lessor([lease(1n, 100)], { checkpointIntervalMs: 10 * s });
    l.promote(0);
    clock.advance(10 * s - 100);
    l.renew(1n);
    clock.advance(100);
    assert.deepEqual(l.dueCheckpoints(10), []);
    clock.advance(10 * s);
    assert.deepEqual(l.dueCheckpoints(10), [{ id: 1n, remainingTtl: 90 }]);
  });

  test('none while not primary, and none are left over after a demotion', () => {
    const { clock, l } = lessor([lease(1n, 100)], { checkpointIntervalMs: 10 * s });
    l.promote(0);
    l.demote();
    clock.advance(60 * s);
    assert.deepEqual(l.dueCheckpoints(10), []);
  });
});

describe('piled-up expiries on promotion', () => {
  test('at most 3/4 of the revoke rate expire in any second, and no lease earlier than its time', () => {
    const { l } = lessor(Array.from({ length: 2000 }, (_, i) => lease(BigInt(i + 1), 10)));
    l.promote(1 * s);
    const remaining = l.list().map((v) => v.remainingMs);
    assert.ok(remaining.every((ms) => ms >= 11 * s));
    const perSecond = new Map<number, number>();
    for (const ms of remaining) {
      const second = Math.floor((ms - 11 * s) / s);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    assert.deepEqual([...perSecond.values()], [750, 750, 500]);
  });

  test('fewer leases than the revoke rate are left alone', () => {
    const moved = spreadExpiries(
      Array.from({ length: 999 }, (_, i) => ({ id: BigInt(i), atMs: 0 })),
      1000,
    );
    assert.equal(moved.size, 0);
  });
});

describe('listing', () => {
  test('the primary lists leases soonest expiry first', () => {
    const { l } = lessor([lease(1n, 30), lease(2n, 10), lease(3n, 20)]);
    l.promote(0);
    assert.deepEqual(
      l.list().map((v) => v.id),
      [2n, 3n, 1n],
    );
  });
});
