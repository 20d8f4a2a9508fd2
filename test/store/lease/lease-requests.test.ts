// Renewals and TimeToLive as a member serves them (store/lease/
// lease-requests.ts): answered by its own lessor when it leads, forwarded
// over the LeaseForward gRPC service to the leader otherwise, waiting for a
// leader (etcd's "no leader" when none comes in time) and retrying until
// the request timeout. Two fake replicas (fake-host.ts), a real gRPC server.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { EtcdError } from '../../../store/errors.js';
import { registerLeaseForwarding } from '../../../store/lease/forward-server.js';
import { LeaseRequests } from '../../../store/lease/lease-requests.js';
import { ReplicaLessor } from '../../../store/lease/replica-lessor.js';
import { FakeHost, settle } from './fake-host.js';

const timing = { electionTimeoutMs: 200, heartbeatIntervalMs: 20 };

function member(id: bigint, requestTimeoutMs = 1000, clusterId = 77n) {
  const host = new FakeHost(id, clusterId);
  const lessor = new ReplicaLessor(host, { ...timing, checkpointIntervalMs: 60_000 });
  const requests = new LeaseRequests(host, lessor, { ...timing, requestTimeoutMs });
  return { host, lessor, requests };
}

type Member = ReturnType<typeof member>;

const servers: grpc.Server[] = [];
const members: Member[] = [];
after(() => {
  for (const s of servers) s.forceShutdown();
  for (const m of members) m.requests.stop();
});

/** A leader (promoted, serving LeaseForward on a port) and a follower that knows it. */
async function pair(o: { followerCluster?: bigint; requestTimeoutMs?: number } = {}) {
  const leader = member(10n);
  const follower = member(20n, o.requestTimeoutMs, o.followerCluster);
  members.push(leader, follower);
  leader.host.appliedTermNow = 2;
  leader.host.setLeader(true, 2);
  const server = new grpc.Server();
  servers.push(server);
  registerLeaseForwarding(server, leader.requests);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  follower.host.otherLeader = 10n;
  follower.host.membersList = [
    {
      id: 10n,
      name: 'leader',
      peerUrls: [`http://127.0.0.1:${port}`],
      clientUrls: [],
      isLearner: false,
    },
  ];
  return { leader, follower };
}

const code = (c: string) => (e: unknown) => e instanceof EtcdError && e.code === c;

describe('on the leader', () => {
  test('answered by its own lessor once promoted; a renewal before that waits for it', async () => {
    const m = member(1n);
    members.push(m);
    m.host.grant({ id: 5n, ttl: 30, remainingTtl: 0 });
    m.host.appliedTermNow = 1;
    m.host.setLeader(true, 2);
    let ttl: number | undefined;
    const renewing = m.requests.renew(5n).then((t) => (ttl = t));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(ttl, undefined, 'not promoted yet');
    m.host.appliedTermNow = 2;
    m.lessor.checkPromotion();
    await renewing;
    assert.equal(ttl, 30);
    const left = await m.requests.timeToLive(5n, false);
    assert.equal(left?.grantedTtl, 30);
    assert.equal(await m.requests.timeToLive(6n, false), undefined);
    await assert.rejects(m.requests.renew(6n), code('LeaseNotFound'));
  });
});

describe('with no leader', () => {
  test('a renewal waits for one, then fails with "no leader" at the request timeout', async () => {
    const m = member(1n, 300);
    members.push(m);
    const started = Date.now();
    await assert.rejects(m.requests.renew(5n), code('NoLeader'));
    assert.ok(Date.now() - started >= 290);
  });

  test('a stopped member answers "server stopped"', async () => {
    const m = member(1n);
    m.requests.stop();
    await assert.rejects(m.requests.renew(5n), code('Stopped'));
  });
});

describe('forwarded to the leader', () => {
  test('a follower renews and reads TTLs through the leader, keys included', async () => {
    const { leader, follower } = await pair();
    leader.host.grant({ id: 1n << 62n, ttl: 40, remainingTtl: 0 });
    assert.equal(await follower.requests.renew(1n << 62n), 40);
    const left = await follower.requests.timeToLive(1n << 62n, true);
    assert.deepEqual(left, { ttl: 39, grantedTtl: 40, keys: [] });
    await assert.rejects(follower.requests.renew(3n), code('LeaseNotFound'));
    assert.equal(await follower.requests.timeToLive(3n, true), undefined);
  });

  test('a renewal is retried while the leader is not promoted, until it is', async () => {
    const { leader, follower } = await pair();
    leader.host.grant({ id: 7n, ttl: 40, remainingTtl: 0 });
    leader.host.setLeader(false, 3);
    leader.host.appliedTermNow = 2;
    leader.host.setLeader(true, 3);
    const renewing = follower.requests.renew(7n);
    await new Promise((r) => setTimeout(r, 150));
    leader.host.appliedTermNow = 3;
    leader.lessor.checkPromotion();
    assert.equal(await renewing, 40);
  });

  test('a leader of another cluster is never believed: the request times out', async () => {
    const { leader, follower } = await pair({ followerCluster: 99n, requestTimeoutMs: 400 });
    leader.host.grant({ id: 8n, ttl: 40, remainingTtl: 0 });
    await assert.rejects(follower.requests.renew(8n), code('Timeout'));
  });

  test('an expired lease renewed through a follower answers not found once revoked', async () => {
    const { leader, follower } = await pair();
    leader.host.grant({ id: 9n, ttl: 1, remainingTtl: 0 });
    // Past its expiry (1 s + the 200 ms extension) on the leader's real clock.
    await new Promise((r) => setTimeout(r, 1300));
    const renewing = follower.requests.renew(9n);
    await settle();
    leader.lessor.pass();
    await assert.rejects(renewing, code('LeaseNotFound'));
  });
});
