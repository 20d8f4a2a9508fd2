// Quorum: five members survive two failures; a minority serves no
// linearizable reads or writes (but answers serializable reads from its
// own state, as etcd does).

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { isEtcdError } from '../../store/errors.js';
import { eventually, key, TestCluster, text } from './harness.js';

const clusters: TestCluster[] = [];
after(() => Promise.all(clusters.map((c) => c.close())));

test('five members keep serving writes with two of them killed', async () => {
  const c = await TestCluster.start({ replicas: 5 });
  clusters.push(c);
  const leader = await c.waitForLeader();
  const victims = c
    .names()
    .filter((n) => n !== leader)
    .slice(0, 1)
    .concat([leader]);
  for (const v of victims) await c.kill(v);
  const rest = c.running();
  const newLeader = await c.waitForLeader(10_000, rest);
  await eventually(
    () => c.client(rest[0]!).put({ key: key('five'), value: key('ok') }, 1000),
    5000,
    'a write',
  );
  for (const n of rest) {
    await eventually(
      async () =>
        assert.equal(
          text((await c.client(n).range({ key: key('five') }, 1000)).kvs[0]?.value),
          'ok',
        ),
      5000,
      `linearizable read on ${n}`,
    );
  }
  assert.ok(rest.includes(newLeader));
});

test('a minority side of a partition serves no linearizable reads or writes', async () => {
  const c = await TestCluster.start({ replicas: 3 });
  clusters.push(c);
  const leader = await c.waitForLeader();
  await c.client(leader).put({ key: key('p'), value: key('before') });
  // Cut the leader off from the other two by freezing them (sockets stay open, nothing answers).
  const others = c.names().filter((n) => n !== leader);
  for (const n of others) c.pause(n);
  try {
    const alone = c.client(leader);
    const failures = async (what: string, op: () => Promise<unknown>): Promise<void> => {
      await assert.rejects(
        op,
        (e: unknown) => {
          const known =
            isEtcdError(e) ||
            /DEADLINE_EXCEEDED|Deadline exceeded/i.test(e instanceof Error ? e.message : String(e));
          return known;
        },
        what,
      );
    };
    // Let check quorum notice: the old leader steps down within two election timeouts.
    await new Promise((r) => setTimeout(r, 2.5 * c.electionTimeoutMs));
    await failures('a write', () => alone.put({ key: key('p'), value: key('during') }, 1500));
    await failures('a linearizable read', () => alone.range({ key: key('p') }, 1500));
    const local = await alone.range({ key: key('p'), serializable: true }, 1500);
    assert.equal(
      text(local.kvs[0]?.value),
      'before',
      'a serializable read answers from local state',
    );
  } finally {
    for (const n of others) c.resume(n);
  }
  const healed = await c.waitForLeader();
  await eventually(
    () => c.client(healed).put({ key: key('p'), value: key('after') }, 1000),
    5000,
    'a write after healing',
  );
  const r = await c.client(leader).range({ key: key('p') }, 2000);
  assert.equal(text(r.kvs[0]?.value), 'after');
});
