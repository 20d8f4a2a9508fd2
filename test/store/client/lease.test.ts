// The typed client's leases against a three-member cluster: grant with a
// client-chosen id above 2^53, time-to-live with keys, list, one-shot
// renewal, keep-alive past the TTL, across a killed member, and 'lost'
// after a revoke.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LeaseLostError, LeaseNotFoundError } from '../../../store/client/index.js';
import { etcdctl } from '../server/grpc/etcdctl.js';
import {
  etcdctlBin,
  skipReason,
  startTarget,
  str,
  waitFor,
  type ClientTarget,
  type TargetKind,
  clientTestTarget,
} from './fixtures.js';

const target: TargetKind = clientTestTarget();

/** Short TTLs keep the file fast; etcd's minimum with the targets' timing is about 1 s. */
const shortTtlSeconds = 2;

describe(`leases against ${target}`, { skip: skipReason(target) }, () => {
  let t: ClientTarget;
  before(async () => {
    t = await startTarget(target, { members: 3 });
  });
  after(() => t?.close());

  test('grant with a client-chosen id above 2^53, attach keys, time-to-live, list, revoke', async () => {
    const c = t.client();
    const id = 2n ** 60n + 3n;
    const g = await c.leases.grant(30, id);
    assert.equal(g.id, id);
    assert.equal(g.ttl, 30);
    await c.put('lk/a', '1', { lease: id });
    await c.put('lk/b', '2', { lease: id });
    assert.equal((await c.get('lk/a')).kvs[0]!.lease, id);
    const ttl = await c.leases.timeToLive(id, { keys: true });
    assert.equal(ttl.id, id);
    assert.equal(ttl.grantedTtl, 30);
    assert.ok(ttl.ttl > 0 && ttl.ttl <= 30);
    assert.deepEqual(ttl.keys.map((k) => k.toString()).sort(), ['lk/a', 'lk/b']);
    assert.ok((await c.leases.list()).includes(id));
    if (etcdctlBin !== undefined) {
      const out = await etcdctl(etcdctlBin, t.endpoints()[0]!, [
        'lease',
        'timetolive',
        id.toString(16),
      ]);
      assert.match(out.stdout, new RegExp(`^lease ${id.toString(16)} granted with TTL\\(30s\\)`));
    }
    const once = await c.leases.keepAliveOnce(id);
    assert.deepEqual(once, { id, ttl: 30 });
    await c.leases.revoke(id);
    assert.equal((await c.get('lk/', { prefix: true, countOnly: true })).count, 0n);
    const gone = await c.leases.timeToLive(id);
    assert.deepEqual([gone.ttl, gone.grantedTtl], [-1, 0]);
    await assert.rejects(c.leases.keepAliveOnce(id), LeaseNotFoundError);
    await assert.rejects(c.leases.revoke(id), LeaseNotFoundError);
  });

  test('keep-alive holds a lease past its TTL, then reports it lost after a revoke', async () => {
    const c = t.client();
    const other = t.client();
    const lease = await c.lease(shortTtlSeconds);
    await c.put('ka/k', 'v', { lease: lease.id });
    let renewals = 0;
    lease.keepAlive.on('renewed', () => renewals++);
    await new Promise((r) => setTimeout(r, 2 * shortTtlSeconds * 1000 + 200));
    assert.equal(str(await other.getValue('ka/k')), 'v');
    assert.ok(renewals >= 3, `${renewals} renewals`);
    const lost = new Promise<unknown>((resolve) => lease.keepAlive.once('lost', resolve));
    await other.leases.revoke(lease.id);
    const err = await lost;
    assert.ok(err instanceof LeaseLostError);
    assert.equal(err.leaseId, lease.id);
    await assert.rejects(lease.done, LeaseLostError);
  });

  test('keep-alive moves to another member when the one it renews on is killed', async () => {
    // The victim is a follower: this tests the keep-alive stream, not an election.
    const probe = t.client();
    const statuses = await Promise.all(
      t.names().map((n) => probe.status({ endpoint: t.endpoint(n) })),
    );
    const victim = t.names().find((_, i) => statuses[i]!.leader !== statuses[i]!.header.memberId)!;
    const c = t.client({ names: [victim, ...t.names().filter((n) => n !== victim)] });
    const lease = await c.lease(shortTtlSeconds);
    await waitFor('a first renewal', () => (lease.keepAlive.ttlSeconds > 0 ? true : undefined));
    assert.equal(c.activeEndpoint, t.endpoint(victim));
    await t.kill(victim);
    await new Promise((r) => setTimeout(r, 2 * shortTtlSeconds * 1000));
    assert.equal(lease.keepAlive.closed, false);
    const ttl = await probe.leases.timeToLive(lease.id, { endpoint: t.endpoint(t.running()[0]!) });
    assert.ok(ttl.ttl > 0, `lease alive after the kill, ttl ${ttl.ttl}`);
    assert.notEqual(c.activeEndpoint, t.endpoint(victim));
    await lease.revoke();
    await lease.done; // closed, not lost
  });
});
