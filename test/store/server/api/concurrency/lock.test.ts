// etcd's Lock service (v3lockpb.Lock) as a Go v3lock client uses it, on a
// three-member cluster, callers on different members: first against real
// etcd 3.4 (the reference, when installed), then the same checks against
// capstan. The lock is etcd's mutex recipe run by the server under the
// caller's lease: the key `<name>/<lease hex>`, waiters in creation order.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import {
  Clients,
  hex,
  rejectsWith,
  startTarget,
  targetKinds,
  until,
  type Target,
} from './fixture.js';

for (const kind of targetKinds) {
  describe(`Lock service (${kind})`, () => {
    let target: Target;
    /** Three callers, each talking to its own member. */
    let callers: Clients[];
    let a: Clients;
    let b: Clients;
    let c: Clients;

    before(async () => {
      target = await startTarget(kind, 3);
      callers = target.endpoints.map((e) => new Clients(e));
      [a, b, c] = callers as [Clients, Clients, Clients];
    });
    after(async () => {
      for (const x of callers ?? []) x.close();
      await target?.close();
    });

    /** Resolves once `count` waiters' keys are queued under `name/`. */
    const queued = (name: string, count: number) =>
      until(`${count} keys under ${name}/`, async () =>
        (await a.under(`${name}/`)).length === count ? true : undefined,
      );

    test('callers on different leases hold the lock one at a time, in the order they asked', async () => {
      const [la, lb, lc] = await Promise.all([a.grant(), b.grant(), c.grant()]);
      const name = Buffer.from('order');
      const first = await a.lock({ name, lease: la }).answer;
      assert.equal(first.key.toString(), `order/${hex(la)}`);

      const second = b.lock({ name, lease: lb });
      await queued('order', 2);
      const third = c.lock({ name, lease: lc });
      await queued('order', 3);
      assert.equal(second.settled() || third.settled(), false, 'nobody else holds it meanwhile');

      // Unlock lets the next one in — the second, not the third.
      const unlocked = await a.unlock({ key: first.key });
      assert.ok(BigInt(unlocked.header!.revision) > BigInt(first.header!.revision));
      const got2 = await second.answer;
      assert.equal(got2.key.toString(), `order/${hex(lb)}`);
      assert.equal(third.settled(), false);

      await b.unlock({ key: got2.key });
      const got3 = await third.answer;
      assert.equal(got3.key.toString(), `order/${hex(lc)}`);

      // The holder's key is the oldest; its create revision is the fencing
      // token, larger for each later holder.
      const kvs = await a.under('order/');
      assert.deepEqual(
        kvs.map((kv) => kv.key.toString()),
        [got3.key.toString()],
      );
      assert.ok(BigInt(kvs[0]!.create_revision) > BigInt(first.header!.revision));
      await c.unlock({ key: got3.key });
    });

    test('a holder whose lease is revoked lets the next waiter in', async () => {
      const [la, lb] = await Promise.all([a.grant(), b.grant()]);
      const name = Buffer.from('revoked');
      const held = await a.lock({ name, lease: la }).answer;
      const waiter = b.lock({ name, lease: lb });
      await queued('revoked', 2);
      await a.revoke(la);
      const got = await waiter.answer;
      assert.equal(got.key.toString(), `revoked/${hex(lb)}`);
      assert.notEqual(got.key.toString(), held.key.toString());
      await b.revoke(lb);
    });

    test('a waiter that cancels leaves the queue and does not block those behind it', async () => {
      const [la, lb, lc] = await Promise.all([a.grant(), b.grant(), c.grant()]);
      const name = Buffer.from('cancel');
      const held = await a.lock({ name, lease: la }).answer;
      const quitter = b.lock({ name, lease: lb });
      await queued('cancel', 2);
      quitter.cancel();
      await queued('cancel', 1);
      const waiter = c.lock({ name, lease: lc });
      await queued('cancel', 2);
      await a.unlock({ key: held.key });
      assert.equal((await waiter.answer).key.toString(), `cancel/${hex(lc)}`);
      await Promise.all([a.revoke(la), b.revoke(lb), c.revoke(lc)]);
    });

    test('a waiter whose deadline passes leaves the queue too', async () => {
      const [la, lb] = await Promise.all([a.grant(), b.grant()]);
      const name = Buffer.from('deadline');
      const held = await a.lock({ name, lease: la }).answer;
      const impatient = b.lock({ name, lease: lb }, 500);
      await assert.rejects(impatient.answer, { code: status.DEADLINE_EXCEEDED });
      await queued('deadline', 1);
      assert.equal((await a.under('deadline/'))[0]!.key.toString(), held.key.toString());
      await Promise.all([a.revoke(la), b.revoke(lb)]);
    });

    test('the same lease asking again gets its key back at once', async () => {
      const la = await a.grant();
      const name = Buffer.from('again');
      const one = await a.lock({ name, lease: la }).answer;
      const two = await b.lock({ name, lease: la }).answer;
      assert.equal(two.key.toString(), one.key.toString());
      assert.equal((await a.under('again/')).length, 1);
      await a.revoke(la);
    });

    test('the lock key lives under the caller lease, which the server does not keep alive', async () => {
      const la = await a.grant(30);
      const held = await a.lock({ name: Buffer.from('lease'), lease: la }).answer;
      const [kv] = await a.under('lease/');
      assert.equal(kv?.lease, la);
      const ttl = await a.timeToLive(la);
      assert.ok(Number(ttl.TTL) <= 30, `ttl ${ttl.TTL}: not renewed by the server`);
      await a.unlock({ key: held.key });
      await a.revoke(la);
    });

    test('lease 0: the server grants a lease of 60 s (etcd session default) for the key', async () => {
      const held = await a.lock({ name: Buffer.from('nolease'), lease: 0 }).answer;
      const [kv] = await a.under('nolease/');
      assert.ok(kv !== undefined && kv.lease !== '0');
      assert.equal(held.key.toString(), `nolease/${hex(kv.lease)}`);
      const ttl = await a.timeToLive(kv.lease);
      assert.equal(ttl.grantedTTL, '60');
      await a.revoke(kv.lease);
    });

    test('a lease that does not exist: UNKNOWN "requested lease not found", nothing queued', async () => {
      await rejectsWith(
        a.lock({ name: Buffer.from('missing'), lease: '123456789' }).answer,
        status.UNKNOWN,
        'etcdserver: requested lease not found',
      );
      assert.deepEqual(await a.under('missing/'), []);
    });

    test('Unlock: a key already gone answers a header; an empty key is etcd\'s "key is not provided"', async () => {
      const r = await a.unlock({ key: Buffer.from('gone/1') });
      assert.ok(BigInt(r.header!.revision) > 0n);
      await rejectsWith(
        a.unlock({ key: Buffer.alloc(0) }),
        status.UNKNOWN,
        'etcdserver: key is not provided',
      );
    });

    test('a waiter whose own lease ends while it waits: etcd 3.4 says held, capstan refuses', async () => {
      const [la, lb] = await Promise.all([a.grant(), b.grant()]);
      const name = Buffer.from('lost');
      const held = await a.lock({ name, lease: la }).answer;
      const waiter = b.lock({ name, lease: lb });
      await queued('lost', 2);
      await b.revoke(lb);
      await queued('lost', 1);
      await a.unlock({ key: held.key });
      if (kind === 'etcd') {
        // etcd 3.4's Mutex does not look again after waiting (fixed in 3.5):
        // it answers with a key that no longer exists.
        const got = await waiter.answer;
        assert.equal(got.key.toString(), `lost/${hex(lb)}`);
        assert.deepEqual(await a.under('lost/'), []);
      } else {
        await rejectsWith(waiter.answer, status.UNKNOWN, 'mutex: session is expired');
      }
      await a.revoke(la);
    });
  });
}
