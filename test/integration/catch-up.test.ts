// A member that was down while the others compacted their logs catches up
// from a snapshot of the leader's state, then from the log.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually, key, TestCluster, text } from './harness.js';

let cluster: TestCluster;
before(async () => {
  // Snapshots (and compaction, keeping half as a catch-up tail) every 40 entries.
  cluster = await TestCluster.start({ replicas: 3, snapshotCount: 40 });
});
after(() => cluster?.close());

test('a member far behind catches up by snapshot, with the same data as the others', async () => {
  const leader = await cluster.waitForLeader();
  const lagger = cluster.names().find((n) => n !== leader)!;
  await cluster.kill(lagger);
  const writes = 300;
  for (let i = 0; i < writes; i++) {
    await cluster
      .client(leader)
      .put({ key: key(`k${String(i).padStart(4, '0')}`), value: key(`v${i}`) });
  }
  await cluster.client(leader).deleteRange({ key: key('k0000') });
  cluster.restart(lagger);
  await eventually(
    async () => {
      const r = await cluster
        .client(lagger)
        .range({ key: key('k'), range_end: key('l'), serializable: true, count_only: true }, 500);
      assert.equal(Number(r.count), writes - 1);
    },
    15_000,
    `${lagger} catching up`,
  );
  const log = await readFile(join(cluster.dir, `${lagger}.log`), 'utf8');
  assert.match(log, /installed snapshot from leader/, 'it caught up by snapshot');
  const hashes = await Promise.all(
    cluster.names().map((n) => cluster.client(n).hashKV({ revision: 0 })),
  );
  assert.equal(new Set(hashes.map((h) => h.hash)).size, 1, 'same data everywhere');
  const r = await cluster.client(lagger).range({ key: key('k0299'), serializable: true });
  assert.equal(text(r.kvs[0]?.value), 'v299');
  assert.equal(
    (await cluster.client(lagger).range({ key: key('k0000'), serializable: true })).kvs.length,
    0,
  );
});
