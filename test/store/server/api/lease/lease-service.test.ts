// etcd's Lease service on a three-member cluster of real processes: grants
// (server-chosen and client-chosen ids, ids beyond 2^53, the minimum TTL,
// too large a TTL), revokes that delete the attached keys in one revision,
// keepalives through a follower that keep a lease past its TTL, expiry
// that deletes the keys, TimeToLive with keys, and LeaseLeases.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EtcdError } from '../../../../../store/errors.js';
import { limits, minLeaseTtlSeconds } from '../../../../../store/limits.js';
import { eventually, key, TestCluster, text } from '../../../../integration/harness.js';
import { leaseClient, type LeaseClient } from './lease-client.js';

let cluster: TestCluster;
let leader: string;
let follower: string;
const clients = new Map<string, LeaseClient>();

function lease(name: string): LeaseClient {
  let c = clients.get(name);
  if (c === undefined) clients.set(name, (c = leaseClient(cluster.endpoint(name))));
  return c;
}

before(async () => {
  cluster = await TestCluster.start({ replicas: 3 });
  leader = await cluster.waitForLeader();
  follower = cluster.names().find((n) => n !== leader)!;
});
after(async () => {
  for (const c of clients.values()) c.close();
  await cluster?.close();
});

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof EtcdError && e.code === code);
}

async function revision(name: string): Promise<number> {
  return Number((await cluster.client(name).status({})).header!.revision);
}

describe('LeaseGrant', () => {
  test('ID 0: the server picks a positive id; the answer carries the TTL granted', async () => {
    const r = await lease(follower).grant({ ID: 0, TTL: 60 });
    const id = BigInt(r.ID);
    assert.ok(id > 0n && id < 1n << 63n, `id ${id}`);
    assert.equal(r.TTL, '60');
    assert.ok(r.header !== null && BigInt(r.header.member_id) > 0n);
  });

  test('a client-chosen id is kept exactly, beyond 2^53 too; the same id again is refused', async () => {
    const big = (1n << 62n) + 12345n;
    const r = await lease(leader).grant({ ID: big.toString(), TTL: 60 });
    assert.equal(r.ID, big.toString());
    await rejects(lease(follower).grant({ ID: big.toString(), TTL: 60 }), 'LeaseExist');
    const listed = await lease(follower).leases({});
    assert.ok(listed.leases.some((l) => l.ID === big.toString()));
  });

  test('a TTL below the minimum, 0 and negative ones included, is raised to it', async () => {
    const min = minLeaseTtlSeconds(cluster.electionTimeoutMs);
    for (const TTL of [0, -5, 1]) {
      const r = await lease(leader).grant({ ID: 0, TTL });
      assert.equal(r.TTL, String(Math.max(TTL, min)), `TTL ${TTL}`);
    }
  });

  test('a TTL above the maximum is refused, even one beyond 2^53', async () => {
    for (const TTL of [String(limits.maxLeaseTtlSeconds + 1), '9223372036854775807']) {
      await rejects(lease(follower).grant({ ID: 0, TTL }), 'LeaseTTLTooLarge');
    }
  });
});

describe('LeaseRevoke', () => {
  test('deletes every attached key in one revision; a second revoke finds nothing', async () => {
    const id = BigInt((await lease(follower).grant({ ID: 0, TTL: 60 })).ID);
    for (const k of ['r/a', 'r/b', 'r/c']) {
      await cluster.client(follower).put({ key: key(k), value: key('v'), lease: id.toString() });
    }
    await cluster.client(follower).put({ key: key('r/unleased'), value: key('v') });
    const before = await revision(leader);
    const res = await lease(follower).revoke({ ID: id.toString() });
    assert.equal(Number(res.header!.revision), before + 1);
    const left = await cluster.client(leader).range({ key: key('r/'), range_end: key('r0') });
    assert.deepEqual(
      left.kvs.map((kv) => text(kv.key)),
      ['r/unleased'],
    );
    await rejects(lease(leader).revoke({ ID: id.toString() }), 'LeaseNotFound');
    await rejects(
      cluster.client(leader).put({ key: key('r/late'), value: key('v'), lease: id.toString() }),
      'LeaseNotFound',
    );
  });
});

describe('LeaseTimeToLive', () => {
  test('answers the leader measure, the TTL granted and the keys, from any member', async () => {
    const id = BigInt((await lease(leader).grant({ ID: 0, TTL: 30 })).ID);
    for (const k of ['t/2', 't/1']) {
      await cluster.client(leader).put({ key: key(k), value: key('v'), lease: id.toString() });
    }
    const r = await lease(follower).timeToLive({ ID: id.toString(), keys: true });
    assert.equal(r.ID, id.toString());
    assert.equal(r.grantedTTL, '30');
    assert.ok(Number(r.TTL) >= 28 && Number(r.TTL) <= 30, `TTL ${r.TTL}`);
    assert.deepEqual(
      r.keys.map((k) => text(k)),
      ['t/1', 't/2'],
    );
    const noKeys = await lease(follower).timeToLive({ ID: id.toString(), keys: false });
    assert.deepEqual(noKeys.keys, []);
  });

  test('a lease that does not exist: TTL -1, no error (etcd 3.4)', async () => {
    const r = await lease(follower).timeToLive({ ID: '424242', keys: true });
    assert.equal(r.TTL, '-1');
    assert.equal(r.ID, '424242');
    assert.ok(r.header !== null);
  });
});

describe('LeaseKeepAlive and expiry', () => {
  test('keepalives through a follower keep a lease past its TTL; once they stop it expires and its keys go', async () => {
    const ttl = 2;
    const id = BigInt((await lease(follower).grant({ ID: 0, TTL: ttl })).ID);
    await cluster.client(follower).put({ key: key('ka/k'), value: key('v'), lease: id.toString() });
    const stream = lease(follower).stream();
    try {
      const grantedAt = Date.now();
      while (Date.now() - grantedAt < 3 * ttl * 1000) {
        const r = await stream.keepAlive(id);
        assert.equal(r.ID, id.toString());
        assert.equal(r.TTL, String(ttl));
        await new Promise((res) => setTimeout(res, (ttl * 1000) / 3));
      }
      const alive = await cluster.client(leader).range({ key: key('ka/k') });
      assert.equal(alive.kvs.length, 1, 'the key outlived the TTL thanks to the keepalives');

      const stoppedAt = Date.now();
      await eventually(
        async () => {
          const r = await cluster.client(follower).range({ key: key('ka/k') });
          assert.equal(r.kvs.length, 0);
        },
        ttl * 1000 + 5000,
        'the expired lease deleting its key',
      );
      const took = Date.now() - stoppedAt;
      assert.ok(took >= ttl * 1000 - 700, `expired ${took} ms after the last keepalive`);
      const gone = await lease(leader).timeToLive({ ID: id.toString(), keys: false });
      assert.equal(gone.TTL, '-1');
      const late = await stream.keepAlive(id);
      assert.equal(late.TTL, '0', 'a keepalive for an expired lease answers TTL 0');
    } finally {
      stream.close();
    }
  });

  test('a keepalive right after a grant through a follower renews it (the leader caught up first)', async () => {
    const stream = lease(follower).stream();
    try {
      for (let i = 0; i < 5; i++) {
        const id = BigInt((await lease(follower).grant({ ID: 0, TTL: 10 })).ID);
        const r = await stream.keepAlive(id);
        assert.equal(r.TTL, '10');
      }
    } finally {
      stream.close();
    }
  });
});

describe('LeaseLeases', () => {
  test('every member lists the same leases', async () => {
    const id = (await lease(leader).grant({ ID: 0, TTL: 60 })).ID;
    await eventually(
      async () => {
        const lists = await Promise.all(
          cluster
            .names()
            .map(async (n) => (await lease(n).leases({})).leases.map((l) => l.ID).sort()),
        );
        assert.ok(lists[0]!.includes(id));
        for (const l of lists) assert.deepEqual(l, lists[0]);
      },
      5000,
      'every member listing the same leases',
    );
  });
});
