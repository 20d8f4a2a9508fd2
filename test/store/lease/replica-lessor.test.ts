// The lessor wired to a replica (a fake one, fake-host.ts) on a manual
// clock: when it is promoted, what it proposes through "Raft" and how fast,
// what happens when a proposal fails, when leadership is lost, and how
// renewals behave around an expiry.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { etcdError } from '../../../store/errors.js';
import { ManualClock } from '../../../store/lease/clock.js';
import { ReplicaLessor } from '../../../store/lease/replica-lessor.js';
import { FakeHost, settle } from './fake-host.js';

const s = 1000;
const electionTimeoutMs = 1000;
const passMs = 500;

function setup(o: { revokePerSecond?: number; checkpointIntervalMs?: number } = {}) {
  const host = new FakeHost();
  const clock = new ManualClock(5_000_000);
  const lessor = new ReplicaLessor(host, {
    electionTimeoutMs,
    heartbeatIntervalMs: 100,
    checkpointIntervalMs: o.checkpointIntervalMs ?? 300 * s,
    clock,
    passMs,
    revokeRetryMs: 3 * s,
    revokePerSecond: o.revokePerSecond ?? 1000,
  });
  /** Leads term 2 and has applied its own empty entry. */
  const lead = (): void => {
    host.appliedTermNow = 2;
    host.setLeader(true, 2);
  };
  /** Moves the clock by one pass and runs it. */
  const pass = async (ms = passMs): Promise<void> => {
    clock.advance(ms);
    lessor.pass();
    await settle();
  };
  return { host, clock, lessor, lead, pass };
}

describe('promotion', () => {
  test('waits until the new leader applied an entry of its own term', () => {
    const { host, lessor } = setup();
    host.grant({ id: 1n, ttl: 10, remainingTtl: 0 });
    host.appliedTermNow = 1;
    host.setLeader(true, 2);
    lessor.pass();
    assert.equal(lessor.core.primary, false, 'entries of the old term are still being applied');
    host.appliedTermNow = 2;
    lessor.checkPromotion();
    assert.equal(lessor.core.primary, true);
    assert.equal(lessor.core.lookup(1n)?.remainingMs, 10 * s + electionTimeoutMs);
  });

  test('a member that loses leadership before it caught up is never promoted', () => {
    const { host, lessor } = setup();
    host.setLeader(true, 2);
    host.setLeader(false, 3);
    host.appliedTermNow = 3;
    lessor.pass();
    assert.equal(lessor.core.primary, false);
  });
});

describe('expiry', () => {
  test('the leader proposes the revoke of an expired lease, not before it expired', async () => {
    const { host, lead, pass } = setup();
    host.grant({ id: 1n, ttl: 2, remainingTtl: 0 });
    lead();
    await pass(2 * s + electionTimeoutMs - 1);
    assert.deepEqual(host.revokesProposed(), []);
    await pass(1);
    assert.deepEqual(host.revokesProposed(), [1n]);
    assert.equal(host.leaseTable.has(1n), false);
  });

  test('revokes are rate limited: at most leaseRevokePerSecond, spread over the passes', async () => {
    const { host, lead, pass } = setup({ revokePerSecond: 10 });
    for (let i = 1n; i <= 12n; i++) host.grant({ id: i, ttl: 1, remainingTtl: 0 });
    lead();
    await pass(60 * s);
    assert.equal(host.revokesProposed().length, 5);
    await pass();
    assert.equal(host.revokesProposed().length, 10);
    await pass();
    assert.equal(host.revokesProposed().length, 12);
    assert.equal(host.leaseTable.size, 0);
  });

  test('a revoke that failed is proposed again after the retry interval', async () => {
    const { host, lead, pass } = setup();
    host.grant({ id: 1n, ttl: 1, remainingTtl: 0 });
    lead();
    host.failWith = etcdError('Timeout');
    await pass(5 * s);
    assert.equal(host.revokesProposed().length, 1);
    await pass();
    assert.equal(host.revokesProposed().length, 1, 'not again right away');
    host.failWith = undefined;
    await pass(3 * s);
    assert.equal(host.revokesProposed().length, 2);
    assert.equal(host.leaseTable.has(1n), false);
  });

  test('a follower, or a leader that was demoted, proposes nothing', async () => {
    const { host, lessor, lead, pass } = setup();
    host.grant({ id: 1n, ttl: 1, remainingTtl: 0 });
    await pass(60 * s);
    lead();
    host.setLeader(false, 3);
    assert.equal(lessor.core.primary, false);
    await pass(60 * s);
    assert.deepEqual(host.proposals, []);
  });
});

describe('renewal on the leader', () => {
  test('renews a live lease; a follower reports not-primary', async () => {
    const { host, lessor, lead } = setup();
    host.grant({ id: 1n, ttl: 10, remainingTtl: 0 });
    assert.deepEqual(await lessor.renewHere(1n), { kind: 'not-primary' });
    lead();
    assert.deepEqual(await lessor.renewHere(1n), { kind: 'renewed', ttl: 10 });
    assert.deepEqual(await lessor.renewHere(2n), { kind: 'not-found' });
  });

  test('an expired lease is not renewed: the renewal waits for the revoke and finds nothing', async () => {
    const { host, lessor, lead, pass, clock } = setup();
    host.grant({ id: 1n, ttl: 2, remainingTtl: 0 });
    lead();
    clock.advance(2 * s + electionTimeoutMs);
    let answer: unknown;
    const renewing = lessor.renewHere(1n).then((r) => (answer = r));
    await settle();
    assert.equal(answer, undefined, 'waiting for the revoke');
    await pass(0);
    await renewing;
    assert.deepEqual(answer, { kind: 'not-found' });
  });

  test('a renewal waiting on an expired lease is sent elsewhere when leadership is lost', async () => {
    const { host, lessor, lead, clock } = setup();
    host.grant({ id: 1n, ttl: 2, remainingTtl: 0 });
    lead();
    clock.advance(10 * s);
    const renewing = lessor.renewHere(1n);
    host.setLeader(false, 3);
    assert.deepEqual(await renewing, { kind: 'not-primary' });
  });

  test('a checkpointed lease is answered only once its checkpoint is cleared through Raft', async () => {
    const { host, lessor, lead } = setup();
    host.grant({ id: 1n, ttl: 600, remainingTtl: 120 });
    lead();
    host.hold = true;
    let answer: unknown;
    const renewing = lessor.renewHere(1n).then((r) => (answer = r));
    await settle();
    assert.deepEqual(host.checkpointsProposed(), [{ id: 1n, remainingTtl: 0 }]);
    assert.equal(answer, undefined);
    host.release();
    await renewing;
    assert.deepEqual(answer, { kind: 'renewed', ttl: 600 });
    assert.equal(host.leaseTable.get(1n)?.remainingTtl, 0);
  });

  test('time to live is the leader measure, truncated to seconds', () => {
    const { host, lessor, lead, clock } = setup();
    host.grant({ id: 1n, ttl: 10, remainingTtl: 0 });
    assert.deepEqual(lessor.timeToLiveHere(1n, false), { kind: 'not-primary' });
    lead();
    clock.advance(electionTimeoutMs + 1500);
    assert.deepEqual(lessor.timeToLiveHere(1n, true), {
      kind: 'found',
      ttl: 8,
      grantedTtl: 10,
      keys: [],
    });
    assert.deepEqual(lessor.timeToLiveHere(2n, false), { kind: 'not-found' });
  });
});

describe('checkpoints', () => {
  test('the leader proposes remaining TTLs every interval; a new leader restarts from them', async () => {
    const { host, lead, pass } = setup({ checkpointIntervalMs: 2 * s });
    host.grant({ id: 1n, ttl: 30, remainingTtl: 0 });
    lead();
    await pass(2 * s);
    // 30 s + the election extension, 2 s later.
    assert.deepEqual(host.checkpointsProposed(), [{ id: 1n, remainingTtl: 29 }]);
    await pass(2 * s);
    assert.equal(host.leaseTable.get(1n)?.remainingTtl, 27);

    // Leadership moves to a fresh lessor (a restarted member) that sees the table.
    const next = setup({ checkpointIntervalMs: 2 * s });
    next.host.grant(host.leaseTable.get(1n)!);
    next.lead();
    assert.equal(next.lessor.core.lookup(1n)?.remainingMs, 27 * s + electionTimeoutMs);
  });
});
