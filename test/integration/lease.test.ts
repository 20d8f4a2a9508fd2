// Leases across failures, on a three-member cluster of real processes:
// kill -9 of the leader must not expire a lease whose client keeps it alive
// through the failover, while an abandoned lease still expires once the new
// leader took over (within its TTL plus the election extension); and a
// restart of every member keeps remaining TTLs, thanks to checkpoints (the
// interval is shortened to 1 s here), so a lease neither restarts from its
// full TTL nor lives forever.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EtcdError } from '../../store/errors.js';
import { leaseClient, type LeaseClient } from '../store/server/api/lease/lease-client.js';
import { key, TestCluster } from './harness.js';

const checkpointMs = 1000;
const flags = { 'experimental-lease-checkpoint-interval': String(checkpointMs) };

let cluster: TestCluster;
const leaseClients = new Map<string, LeaseClient>();

function lease(name: string): LeaseClient {
  let c = leaseClients.get(name);
  if (c === undefined) leaseClients.set(name, (c = leaseClient(cluster.endpoint(name))));
  return c;
}

function dropClients(): void {
  for (const c of leaseClients.values()) c.close();
  leaseClients.clear();
}

before(async () => {
  cluster = await TestCluster.start({ replicas: 3, extraFlags: flags });
});
after(async () => {
  dropClients();
  await cluster?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function exists(name: string, k: string): Promise<boolean> {
  const r = await cluster.client(name).range({ key: key(k), serializable: true }, 1000);
  return r.kvs.length > 0;
}

/** Keeps a lease alive through `name` every ttl/3, as a client library does, reopening its stream after errors. */
function keepAliveLoop(name: string, id: bigint, ttlSeconds: number) {
  let stop = false;
  const expiredAnswers: number[] = [];
  let answered = 0;
  const done = (async () => {
    while (!stop) {
      const stream = lease(name).stream();
      try {
        while (!stop) {
          const r = await stream.keepAlive(id, 5000);
          answered++;
          if (r.TTL === '0') expiredAnswers.push(Date.now());
          await sleep((ttlSeconds * 1000) / 3);
        }
      } catch {
        await sleep(100);
      } finally {
        stream.close();
      }
    }
  })();
  return {
    stop: async () => {
      stop = true;
      await done;
    },
    expiredAnswers,
    answered: () => answered,
  };
}

test('kill -9 of the leader: a kept-alive lease survives, an abandoned one still expires in time', async (t) => {
  const ttl = 3;
  const leader = await cluster.waitForLeader();
  const [via, other] = cluster.names().filter((n) => n !== leader) as [string, string];
  const kept = BigInt((await lease(via).grant({ ID: 0, TTL: ttl })).ID);
  const abandoned = BigInt((await lease(via).grant({ ID: 0, TTL: ttl })).ID);
  const grantedAt = Date.now();
  await cluster.client(via).put({ key: key('l/kept'), value: key('v'), lease: kept.toString() });
  await cluster.client(via).put({
    key: key('l/abandoned'),
    value: key('v'),
    lease: abandoned.toString(),
  });
  const keeper = keepAliveLoop(via, kept, ttl);
  try {
    await sleep(700);
    const killedAt = Date.now();
    await cluster.kill(leader);
    const next = await cluster.waitForLeader(10_000, [via, other]);
    const electedAt = Date.now();

    let goneAt = 0;
    while (goneAt === 0) {
      if (!(await exists(via, 'l/abandoned').catch(() => true))) goneAt = Date.now();
      else await sleep(50);
      assert.ok(Date.now() - killedAt < 20_000, 'the abandoned lease never expired');
    }
    // A little longer: the kept lease, granted with it, must outlive it.
    await sleep(1000);
    t.diagnostic(
      `leader ${leader} killed; ${next} elected after ${electedAt - killedAt} ms; abandoned lease gone ${goneAt - grantedAt} ms after its grant (${goneAt - killedAt} ms after the kill); ${keeper.answered()} keepalives answered`,
    );
    assert.ok(goneAt - grantedAt >= ttl * 1000 - 200, 'the abandoned lease expired early');
    const latest = killedAt + 2 * cluster.electionTimeoutMs + ttl * 1000;
    // The extension, one lessor pass, a commit, and room for a busy machine.
    const slackMs = cluster.electionTimeoutMs + 2500;
    assert.ok(
      goneAt <= latest + slackMs,
      `expired ${goneAt - latest} ms after the latest expected`,
    );
    assert.deepEqual(keeper.expiredAnswers, [], 'a keepalive answered TTL 0');
    assert.ok(await exists(next, 'l/kept'), 'the kept-alive lease lost its key');
    const ttlNow = await lease(next).timeToLive({ ID: kept.toString(), keys: false });
    assert.ok(Number(ttlNow.TTL) > 0, `kept lease TTL ${ttlNow.TTL}`);
  } finally {
    await keeper.stop();
  }
  await lease(via).revoke({ ID: kept.toString() });
});

test('a restart of every member keeps remaining TTLs (checkpoints); an abandoned lease still expires', async (t) => {
  const ttl = 20;
  const shortTtl = 5;
  // Two of the three members run (the first test killed one): a quorum.
  const leader = await cluster.waitForLeader(10_000, cluster.running());
  const long = BigInt((await lease(leader).grant({ ID: 0, TTL: ttl })).ID);
  const short = BigInt((await lease(leader).grant({ ID: 0, TTL: shortTtl })).ID);
  const grantedAt = Date.now();
  await cluster
    .client(leader)
    .put({ key: key('r/short'), value: key('v'), lease: short.toString() });
  await sleep(3.5 * checkpointMs);
  const lived = (Date.now() - grantedAt) / 1000;
  dropClients();
  const downAt = Date.now();
  await Promise.all(cluster.names().map((n) => cluster.kill(n)));
  await sleep(500);
  for (const n of cluster.names()) cluster.launch(cluster.member(n), flags);
  const next = await cluster.waitForLeader();
  const backAt = Date.now();

  const r = await lease(next).timeToLive({ ID: long.toString(), keys: false }, 15_000);
  const left = Number(r.TTL);
  // The lease counts down again from the new leader's promotion, somewhere
  // between the restart and this answer: on a slow machine seconds apart.
  const sinceRestart = (Date.now() - downAt) / 1000;
  t.diagnostic(
    `lived ${lived.toFixed(1)} s before the restart; ${left} s left after it (TTL ${ttl})`,
  );
  assert.ok(left <= ttl - lived + 2, `restarted from (nearly) its full TTL: ${left} s left`);
  assert.ok(
    left >= ttl - lived - sinceRestart - 2,
    `lost more than it lived: ${left} s left, ${sinceRestart.toFixed(1)} s after the restart`,
  );

  let goneAt = 0;
  while (goneAt === 0) {
    if (!(await exists(next, 'r/short').catch(() => true))) goneAt = Date.now();
    else await sleep(50);
    assert.ok(Date.now() - backAt < 15_000, 'the abandoned lease lived on after the restart');
  }
  t.diagnostic(`the abandoned lease expired ${goneAt - backAt} ms after the cluster was back`);
  assert.ok(goneAt - grantedAt >= shortTtl * 1000, 'the abandoned lease expired early');
  const expectedMs = (shortTtl - lived + 1) * 1000 + cluster.electionTimeoutMs;
  assert.ok(
    goneAt - backAt <= expectedMs + 2500,
    `the abandoned lease expired ${goneAt - backAt - expectedMs} ms later than its checkpoint allows`,
  );
  await assert.rejects(
    lease(next).revoke({ ID: short.toString() }),
    (e: unknown) => e instanceof EtcdError && e.code === 'LeaseNotFound',
  );
});
