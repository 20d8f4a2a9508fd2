// etcd's Election service (v3electionpb.Election) as a Go v3election client
// uses it: first against real etcd 3.4 (the reference, when installed),
// then the same checks against capstan. Candidates lead in the order they
// campaigned; the LeaderKey that Campaign answers is what Proclaim and
// Resign take back; Observe streams every leader and every value.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import type * as w from '../../../../../store/server/grpc/wire-types.js';
import {
  Clients,
  hex,
  rejectsWith,
  startTarget,
  targetKinds,
  until,
  type Target,
} from './fixture.js';

const v = (s: string): Buffer => Buffer.from(s);

for (const kind of targetKinds) {
  describe(`Election service (${kind})`, () => {
    let target: Target;
    let a: Clients;
    let b: Clients;

    before(async () => {
      target = await startTarget(kind, 1);
      a = new Clients(target.endpoints[0]!);
      b = new Clients(target.endpoints[0]!);
    });
    after(async () => {
      a?.close();
      b?.close();
      await target?.close();
    });

    const candidates = (name: string, count: number) =>
      until(`${count} candidates in ${name}`, async () =>
        (await a.under(`${name}/`)).length === count ? true : undefined,
      );

    test('Campaign, Leader, Proclaim, Observe and Resign, in sequence', async () => {
      const name = v('seq');
      await rejectsWith(a.leader({ name }), status.UNKNOWN, 'election: no leader');
      const observer = a.observe({ name });
      const [la, lb] = await Promise.all([a.grant(), b.grant()]);

      const won = await a.campaign({ name, lease: la, value: v('a1') }).answer;
      const leaderA = won.leader!;
      assert.deepEqual(
        { name: leaderA.name.toString(), key: leaderA.key.toString(), lease: leaderA.lease },
        { name: 'seq', key: `seq/${hex(la)}`, lease: la },
      );
      assert.equal(leaderA.rev, won.header!.revision, 'rev: the key was created by this campaign');

      const now = await b.leader({ name });
      assert.equal(now.kv!.key.toString(), leaderA.key.toString());
      assert.equal(now.kv!.value.toString(), 'a1');
      assert.equal(now.kv!.create_revision, leaderA.rev);

      // A second candidate waits while the first leads.
      const second = b.campaign({ name, lease: lb, value: v('b1') });
      await candidates('seq', 2);
      assert.equal(second.settled(), false);

      const proclaimed = await a.proclaim({ leader: leaderA, value: v('a2') });
      assert.ok(BigInt(proclaimed.header!.revision) > BigInt(won.header!.revision));
      assert.equal((await b.leader({ name })).kv!.value.toString(), 'a2');

      // Resign hands leadership to the next candidate.
      await a.resign({ leader: leaderA });
      const leaderB = (await second.answer).leader!;
      assert.equal(leaderB.key.toString(), `seq/${hex(lb)}`);
      assert.equal((await a.leader({ name })).kv!.value.toString(), 'b1');

      // Observe saw each leader and each value, in order.
      await observer.waitForValues(['a1', 'a2', 'b1']);
      const keys = observer.seen.map((r) => r.kv!.key.toString());
      assert.deepEqual(keys, [leaderA.key, leaderA.key, leaderB.key].map(String));
      for (const r of observer.seen) {
        assert.ok(BigInt(r.header!.revision) >= BigInt(r.kv!.mod_revision), 'header not behind');
      }

      // A LeaderKey no longer leading: Proclaim refuses, Resign is a no-op.
      await rejectsWith(
        a.proclaim({ leader: leaderA, value: v('stale') }),
        status.UNKNOWN,
        'election: not leader',
      );
      const noop = await a.resign({ leader: leaderA });
      assert.ok(noop.header !== null);
      assert.equal((await a.leader({ name })).kv!.value.toString(), 'b1');

      await b.resign({ leader: leaderB });
      await rejectsWith(a.leader({ name }), status.UNKNOWN, 'election: no leader');
      observer.cancel();
      await Promise.all([a.revoke(la), b.revoke(lb)]);
    });

    test('a leader whose lease is revoked hands over to the next candidate', async () => {
      const name = v('revoked');
      const [la, lb] = await Promise.all([a.grant(), b.grant()]);
      const first = (await a.campaign({ name, lease: la, value: v('a') }).answer).leader!;
      const observer = b.observe({ name });
      const second = b.campaign({ name, lease: lb, value: v('b') });
      await candidates('revoked', 2);
      await a.revoke(la);
      const leaderB = (await second.answer).leader!;
      assert.equal(leaderB.key.toString(), `revoked/${hex(lb)}`);
      await observer.waitForValues(['a', 'b']);
      await rejectsWith(
        a.proclaim({ leader: first, value: v('late') }),
        status.UNKNOWN,
        'election: not leader',
      );
      observer.cancel();
      await b.revoke(lb);
    });

    test('a candidate that cancels its campaign withdraws', async () => {
      const name = v('cancel');
      const [la, lb] = await Promise.all([a.grant(), b.grant()]);
      const first = (await a.campaign({ name, lease: la, value: v('a') }).answer).leader!;
      const quitter = b.campaign({ name, lease: lb, value: v('b') });
      await candidates('cancel', 2);
      quitter.cancel();
      await candidates('cancel', 1);
      await a.resign({ leader: first });
      await rejectsWith(a.leader({ name }), status.UNKNOWN, 'election: no leader');
      await Promise.all([a.revoke(la), b.revoke(lb)]);
    });

    test('the same lease campaigning again keeps its key and proclaims the new value', async () => {
      const name = v('again');
      const la = await a.grant();
      const one = (await a.campaign({ name, lease: la, value: v('x') }).answer).leader!;
      const two = await b.campaign({ name, lease: la, value: v('y') }).answer;
      assert.deepEqual(
        [two.leader!.key.toString(), two.leader!.rev],
        [one.key.toString(), one.rev],
      );
      assert.equal((await a.leader({ name })).kv!.value.toString(), 'y');
      await a.revoke(la);
    });

    test('errors: a lease that does not exist, a missing LeaderKey, a LeaderKey of the wrong revision', async () => {
      const name = v('errors');
      await rejectsWith(
        a.campaign({ name, lease: '987654321', value: v('x') }).answer,
        status.UNKNOWN,
        'etcdserver: requested lease not found',
      );
      assert.deepEqual(await a.under('errors/'), []);
      const missing = '"leader" field must be provided';
      await rejectsWith(a.proclaim({ value: v('x') }), status.UNKNOWN, missing);
      await rejectsWith(a.resign({}), status.UNKNOWN, missing);

      const la = await a.grant();
      const leader = (await a.campaign({ name, lease: la, value: v('x') }).answer).leader!;
      const wrongRev: w.LeaderKey<'out'> = { ...leader, rev: '1' };
      await rejectsWith(
        a.proclaim({ leader: wrongRev, value: v('y') }),
        status.UNKNOWN,
        'election: not leader',
      );
      await a.resign({ leader: wrongRev });
      assert.equal(
        (await a.leader({ name })).kv!.value.toString(),
        'x',
        'a wrong rev deletes nothing',
      );
      await rejectsWith(
        a.proclaim({ leader: { ...leader, lease: '987654321' }, value: v('y') }),
        status.UNKNOWN,
        'etcdserver: requested lease not found',
      );
      await a.revoke(la);
    });

    test('Observe of an empty election waits for the first candidate', async () => {
      const name = v('later');
      const observer = a.observe({ name });
      const la = await b.grant();
      const leader = (await b.campaign({ name, lease: la, value: v('first') }).answer).leader!;
      await observer.waitForValues(['first']);
      assert.equal(observer.seen[0]!.header!.revision, leader.rev);
      observer.cancel();
      await b.revoke(la);
    });
  });
}
