// The lock recipe against real etcd: mutual exclusion among contending
// holders, first come first served, fencing, giving up, a waiter whose
// session ends, and interoperation with `etcdctl lock` both ways.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AbortedError, LockLostError, op, type Lock } from '../../../store/client/index.js';
import {
  etcdctlBin,
  skipReason,
  spawnEtcdctl,
  startTarget,
  str,
  waitFor,
  type ClientTarget,
  type RunningCtl,
  type TargetKind,
  clientTestTarget,
} from './fixtures.js';

const target: TargetKind = clientTestTarget();

describe(`lock against ${target}`, { skip: skipReason(target) }, () => {
  let t: ClientTarget;
  const ctls: RunningCtl[] = [];
  before(async () => {
    t = await startTarget(target, { members: 1 });
  });
  after(async () => {
    await Promise.all(ctls.map((c) => c.interrupt()));
    await t?.close();
  });

  /** How many keys are queued under a lock name. */
  const queued = async (name: string): Promise<bigint> =>
    (await t.client().get(`${name}/`, { prefix: true, countOnly: true })).count;

  test('contending holders are mutually exclusive: a read-modify-write counter loses no update', async () => {
    const workers = 4;
    const rounds = 3;
    let inside = 0;
    let maxInside = 0;
    const clients = Array.from({ length: workers }, () => t.client());
    await Promise.all(
      clients.map(async (c) => {
        const session = await c.session({ ttlSeconds: 10 });
        for (let i = 0; i < rounds; i++) {
          const l = await c.lock('counter-lock', { session });
          inside++;
          maxInside = Math.max(maxInside, inside);
          const n = Number(str(await c.getValue('counter')) ?? '0');
          await new Promise((r) => setTimeout(r, 5));
          const r = await c.txn({ if: [l.fence()], then: [op.put('counter', String(n + 1))] });
          assert.equal(r.succeeded, true);
          inside--;
          await l.unlock();
        }
        await session.close();
      }),
    );
    assert.equal(maxInside, 1);
    assert.equal(str(await clients[0]!.getValue('counter')), String(workers * rounds));
    assert.equal(await queued('counter-lock'), 0n);
  });

  test('waiters get the lock in the order they queued, with growing revisions; a stale fence fails', async () => {
    const c = t.client();
    const first = await c.lock('order-lock');
    const order: string[] = [];
    const locks: Lock[] = [];
    const waiting: Promise<void>[] = [];
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      const wc = t.client();
      waiting.push(
        wc.lock('order-lock').then(async (l) => {
          order.push(name);
          locks.push(l);
          await l.unlock();
        }),
      );
      // Each waiter's key is in before the next one queues.
      const want = BigInt(i + 2);
      await waitFor(`${name} queued`, async () =>
        (await queued('order-lock')) === want ? true : undefined,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(order, [], 'nobody else gets in while the first holds it');
    await first.unlock();
    await Promise.all(waiting);
    assert.deepEqual(order, ['a', 'b', 'c']);
    const revs = [first, ...locks].map((l) => l.revision);
    for (let i = 1; i < revs.length; i++) assert.ok(revs[i]! > revs[i - 1]!);
    // The first holder's fence no longer holds: a guarded write is refused.
    const stale = await c.txn({ if: [first.fence()], then: [op.put('guarded', 'x')] });
    assert.equal(stale.succeeded, false);
    assert.equal(await c.getValue('guarded'), undefined);
  });

  test('a waiter that gives up leaves the queue; one whose session ends gets LockLostError', async () => {
    const c = t.client();
    const holder = await c.lock('leave-lock');
    const abort = new AbortController();
    const giving = t.client().lock('leave-lock', { signal: abort.signal });
    await waitFor('the waiter queued', async () =>
      (await queued('leave-lock')) === 2n ? true : undefined,
    );
    abort.abort();
    await assert.rejects(giving, AbortedError);
    await waitFor('its key removed', async () =>
      (await queued('leave-lock')) === 1n ? true : undefined,
    );

    const wc = t.client();
    const session = await wc.session({ ttlSeconds: 10 });
    const doomed = wc.lock('leave-lock', { session });
    await waitFor('the second waiter queued', async () =>
      (await queued('leave-lock')) === 2n ? true : undefined,
    );
    await c.leases.revoke(session.leaseId); // its session ends while it waits
    await holder.unlock();
    await assert.rejects(doomed, LockLostError);
  });

  test(
    'interoperates with etcdctl lock: each waits while the other holds the lock',
    { skip: etcdctlBin === undefined },
    async () => {
      const c = t.client();
      const endpoints = t.endpoints();
      // etcdctl holds it (without a command it holds until interrupted, printing the key).
      const ctl = spawnEtcdctl(endpoints, ['lock', 'shared-lock']);
      ctls.push(ctl);
      await waitFor('etcdctl to hold the lock', () =>
        ctl.stdout().includes('shared-lock/') ? true : undefined,
      );
      const ctlKey = ctl.stdout().split('\n')[0]!;
      let ours: Lock | undefined;
      const acquiring = c.lock('shared-lock').then((l) => (ours = l));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(ours, undefined, 'we wait while etcdctl holds it');
      assert.equal(await ctl.interrupt(), 0);
      await acquiring;
      assert.ok(ours!.key.toString().startsWith('shared-lock/'));
      assert.notEqual(ours!.key.toString(), ctlKey);

      // Now we hold it: etcdctl lock waits for us, then runs its command.
      const waiter = spawnEtcdctl(endpoints, ['lock', 'shared-lock', 'echo', 'got it']);
      ctls.push(waiter);
      await waitFor('etcdctl to queue', async () =>
        (await queued('shared-lock')) === 2n ? true : undefined,
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(waiter.child.exitCode, null, 'etcdctl waits while we hold it');
      assert.equal(waiter.stdout(), '');
      await ours!.unlock();
      assert.equal(await waiter.exited, 0);
      assert.equal(waiter.stdout(), 'got it\n');
    },
  );
});
