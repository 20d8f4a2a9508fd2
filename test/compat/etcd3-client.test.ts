// The `etcd3` npm client's own operations against a 3-member cluster: KV and
// txn builders, the watch builder (prefix, prev kv, start revision, ignore),
// a lease with keepalive past its TTL, locks, elections (campaign, leader,
// observe, resign) and STM transactions under contention. The same scenario
// runs against real etcd 3.4 first when it is installed, so a failure on
// capstan is capstan's, not the test's.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3, type IKeyValue } from 'etcd3';
import { findOnPath } from '../store/server/grpc/etcdctl.js';
import { startCapstanTarget, startEtcdTarget, type CompatTarget } from './targets.js';

const etcdBin = findOnPath('etcd');
const etcdctlBin = findOnPath('etcdctl');

/** Resolves once `cond()` holds; fails with `what` after `ms`. */
async function until(cond: () => boolean, what: () => string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what()}`);
    await sleep(20);
  }
}

async function scenario(target: CompatTarget): Promise<void> {
  const hosts = target.names().map((n) => `http://${target.endpoint(n)}`);
  const client = new Etcd3({ hosts });
  const other = new Etcd3({ hosts: [...hosts].reverse() });
  try {
    // ---- KV and txn ----
    await client.put('greeting').value('hello');
    assert.equal(await client.get('greeting').string(), 'hello');
    await client.put('p/a').value('1');
    await client.put('p/b').value('2');
    assert.deepEqual(await client.getAll().prefix('p/').strings(), { 'p/a': '1', 'p/b': '2' });
    assert.equal(await client.getAll().prefix('p/').count(), 2);
    const swapped = await client
      .if('greeting', 'Value', '==', 'hello')
      .then(client.put('greeting').value('bye'))
      .else(client.get('greeting'))
      .commit();
    assert.equal(swapped.succeeded, true);
    const failed = await client
      .if('greeting', 'Value', '==', 'hello')
      .then(client.put('greeting').value('never'))
      .commit();
    assert.equal(failed.succeeded, false);
    assert.equal(await other.get('greeting').string(), 'bye');
    await client.delete().prefix('p/');
    assert.equal(await client.getAll().prefix('p/').count(), 0);

    // ---- watch ----
    const start = Number((await client.get('greeting').exec()).header.revision);
    const seen: string[] = [];
    const watcher = await client.watch().prefix('w/').withPreviousKV().create();
    watcher.on('put', (kv: IKeyValue, prev?: IKeyValue) =>
      seen.push(
        `put ${kv.key.toString()}=${kv.value.toString()} prev=${prev?.value.toString() ?? '-'}`,
      ),
    );
    watcher.on('delete', (kv: IKeyValue) => seen.push(`delete ${kv.key.toString()}`));
    await client.put('w/x').value('1');
    await other.put('w/x').value('2');
    await client.put('elsewhere').value('ignored');
    await client.delete().key('w/x');
    await until(
      () => seen.length === 3,
      () => `three watch events (got ${JSON.stringify(seen)})`,
    );
    assert.deepEqual(seen, ['put w/x=1 prev=-', 'put w/x=2 prev=1', 'delete w/x']);
    await watcher.cancel();
    // History: a watcher from an old revision replays what it missed, puts only.
    const replay: string[] = [];
    const historic = await other
      .watch()
      .prefix('w/')
      .startRevision(String(start + 1))
      .only('put')
      .create();
    historic.on('put', (kv: IKeyValue) => replay.push(kv.value.toString()));
    await until(
      () => replay.length === 2,
      () => `two replayed puts (got ${JSON.stringify(replay)})`,
    );
    assert.deepEqual(replay, ['1', '2']);
    await historic.cancel();

    // ---- lease with keepalive ----
    const lease = client.lease(2);
    let lost = false;
    lease.on('lost', () => (lost = true));
    await lease.put('leased').value('v');
    await sleep(3500); // past the TTL: only the keepalive keeps it
    assert.equal(lost, false, 'the lease was lost although kept alive');
    assert.equal(await other.get('leased').string(), 'v');
    await lease.revoke();
    assert.equal(await other.get('leased').string(), null);
    // A lease left alone expires and takes its keys.
    const abandoned = other.lease(2, { autoKeepAlive: false });
    await abandoned.put('fleeting').value('v');
    const deadline = Date.now() + 8000;
    while ((await client.get('fleeting').string()) !== null) {
      assert.ok(Date.now() < deadline, 'an abandoned lease did not expire');
      await sleep(200);
    }
    abandoned.release();

    // ---- lock (etcd3's lock is a try-lock on a leased key) ----
    const first = await client.lock('the-lock').ttl(5).acquire();
    await assert.rejects(other.lock('the-lock').ttl(5).acquire(), /Failed to acquire a lock/);
    await first.release();
    const second = await other.lock('the-lock').ttl(5).acquire();
    await second.release();

    // ---- election ----
    const election = client.election('the-election', 5);
    const observer = await other.election('the-election', 5).observe();
    const leaders: (string | undefined)[] = [];
    observer.on('change', (v) => leaders.push(v));
    const a = election.campaign('alpha');
    await a.wait();
    assert.equal(await other.election('the-election').leader(), 'alpha');
    const b = other.election('the-election', 5).campaign('beta');
    let bElected = false;
    b.on('elected', () => (bElected = true));
    await sleep(300);
    assert.equal(bElected, false, 'a second candidate was elected while the first leads');
    await a.proclaim('alpha-2');
    assert.equal(await client.election('the-election').leader(), 'alpha-2');
    await a.resign();
    await b.wait();
    assert.equal(await client.election('the-election').leader(), 'beta');
    await until(
      () => leaders.includes('beta'),
      () => `the observer to see beta (saw ${JSON.stringify(leaders)})`,
    );
    assert.equal(leaders.at(-1), 'beta');
    await b.resign();
    await observer.cancel();

    // ---- STM under contention ----
    await client.put('counter').value('0');
    const bump = (c: Etcd3) =>
      c.stm({ retries: 50 }).transact(async (tx) => {
        const n = Number(await tx.get('counter').string());
        await tx.put('counter').value(String(n + 1));
      });
    await Promise.all(Array.from({ length: 10 }, (_, i) => bump(i % 2 === 0 ? client : other)));
    assert.equal(await client.get('counter').string(), '10');
  } finally {
    client.close();
    other.close();
  }
}

describe('the etcd3 npm client', () => {
  test(
    'against real etcd 3.4 (reference)',
    { skip: etcdBin === undefined || etcdctlBin === undefined ? 'etcd is not installed' : false },
    async () => {
      const t = await startEtcdTarget(etcdBin!, etcdctlBin!, {
        members: 3,
        maxRequestBytes: 1.5 * 1024 * 1024,
      });
      try {
        await scenario(t);
      } finally {
        await t.close();
      }
    },
  );

  test('against capstan', async () => {
    const t = await startCapstanTarget({ members: 3, maxRequestBytes: 1.5 * 1024 * 1024 });
    try {
      await scenario(t);
    } finally {
      await t.close();
    }
  });
});
