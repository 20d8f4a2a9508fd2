// Failover of the typed client on a three-member cluster, the same suite for
// real etcd 3.4 and capstan (failover-etcd.test.ts, failover-capstan.test.ts): kill -9 the member the client is talking to (the leader)
// under read and write load. Reads carry on, on other members; each write
// either succeeds or reports an error, and none is applied twice by a
// retry (every key is written once, so a duplicate shows as version 2).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '../../../store/client/index.js';
import { skipReason, startTarget, type ClientTarget, type TargetKind } from './fixtures.js';

/** How long the load runs before and after the kill. */
const loadBeforeKillMs = 300;
const loadAfterKillMs = 1_500;

async function leaderName(t: ClientTarget, c: Client): Promise<string> {
  for (const name of t.running()) {
    const s = await c.status({ endpoint: t.endpoint(name) }).catch(() => undefined);
    if (s !== undefined && s.leader !== 0n && s.leader === s.header.memberId) return name;
  }
  throw new Error('no leader among the running members');
}

/** Writes give up sooner than reads, so the test does not wait long on a write stuck in an election. */
const writeTimeoutMs = 3_000;

export function failoverSuite(kind: TargetKind): void {
  describe(`failover against ${kind}`, { skip: skipReason(kind) }, () => {
    let t: ClientTarget;
    before(async () => {
      t = await startTarget(kind, { members: 3 });
    });
    after(() => t?.close());

    test('killing the active member: reads continue elsewhere, writes succeed or fail but never apply twice', async (ctx) => {
      const probe = t.client();
      const leader = await leaderName(t, probe);
      // The client talks to the leader first, so the kill hits it mid-flight.
      const order = [leader, ...t.names().filter((n) => n !== leader)];
      const c = t.client({ names: order, requestTimeoutMs: 8_000 });
      await c.put('seed', 'x');
      assert.equal(c.activeEndpoint, t.endpoint(leader));

      let stop = false;
      const reads = { ok: 0, failed: [] as string[] };
      const writes = { acked: [] as string[], failed: [] as string[], sent: [] as string[] };
      const reader = (async () => {
        while (!stop) {
          try {
            await c.get('seed');
            reads.ok++;
          } catch (e) {
            reads.failed.push((e as Error).message);
          }
        }
      })();
      const writers = [0, 1].map(async (w) => {
        for (let i = 0; !stop; i++) {
          const key = `w${w}/${String(i).padStart(5, '0')}`;
          writes.sent.push(key);
          try {
            await c.put(key, 'v', { timeoutMs: writeTimeoutMs });
            writes.acked.push(key);
          } catch {
            writes.failed.push(key);
          }
        }
      });
      await new Promise((r) => setTimeout(r, loadBeforeKillMs));
      const readsBefore = reads.ok;
      await t.kill(leader);
      await new Promise((r) => setTimeout(r, loadAfterKillMs));
      stop = true;
      await Promise.all([reader, ...writers]);
      ctx.diagnostic(
        `${reads.ok} reads (${readsBefore} before the kill), ${writes.acked.length} writes acked, ${writes.failed.length} failed; now on ${c.activeEndpoint}`,
      );

      assert.deepEqual(reads.failed, [], 'no read failed');
      assert.ok(reads.ok > readsBefore, 'reads went on after the kill');
      assert.notEqual(c.activeEndpoint, t.endpoint(leader));
      assert.ok(writes.acked.length > writes.sent.length / 2, 'most writes succeeded');

      const after = await c.get('w', { rangeEnd: 'x' });
      const version = new Map(after.kvs.map((kv) => [kv.key.toString(), kv.version]));
      for (const key of writes.acked)
        assert.equal(version.get(key), 1n, `acked ${key} stored once`);
      for (const [key, v] of version) assert.equal(v, 1n, `${key} written once, not ${v} times`);
      for (const key of version.keys()) assert.ok(writes.sent.includes(key));
    });
  });
}
