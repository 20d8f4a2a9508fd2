// Watches on a three-member cluster of real processes while clients write
// multi-key transactions through every member, and the cluster is hurt:
// the leader is killed with SIGKILL and restarted, and a follower is frozen
// (SIGSTOP) long enough that it must install a snapshot when it comes back,
// with its watch streams still open. Watchers on a killed member resume on
// another one from the last revision seen + 1. At the end the watch
// validator (store/check) checks every watcher against the store's history:
// ordered, unique, reliable, atomic, correct content and prev_kv,
// bookmarks, no time travel, exact resumes.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { etcdClient, type EtcdClient } from '../../store/client/etcd-client.js';
import {
  checkWatches,
  formatWatchReport,
  type CommittedRevision,
  type WatchRequestSpec,
} from '../../store/check/index.js';
import { eventually, key, TestCluster } from './harness.js';
import { readHistory, ResumingWatcher, type Endpoints } from './watch-observer.js';

const snapshotCount = 100;
let cluster: TestCluster;
before(async () => {
  cluster = await TestCluster.start({ replicas: 3, snapshotCount });
});
after(() => cluster?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Acked {
  revision: number;
  puts: Map<string, string>;
}

/** Writers: transactions of one to three puts or deletes over 20 keys, through every member in turn. */
class Writers {
  readonly acked: Acked[] = [];
  private stopping = false;
  private readonly clients = new Map<string, EtcdClient>();
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly names: () => string[],
    endpoint: (name: string) => string,
    count: number,
  ) {
    for (const n of ['m1', 'm2', 'm3']) this.clients.set(n, etcdClient(endpoint(n)));
    for (let w = 0; w < count; w++) this.loops.push(this.loop(w));
  }

  private async loop(w: number): Promise<void> {
    for (let i = 0; !this.stopping; i++) {
      const running = this.names();
      const member = running[(i + w) % running.length]!;
      const ops = Array.from({ length: 1 + ((i * 7 + w) % 3) }, (_, j) => {
        const k = `w/k${(i * 13 + j * 7 + w * 3) % 20}`;
        return { k, del: (i + j) % 11 === 10 };
      });
      const unique = [...new Map(ops.map((o) => [o.k, o])).values()];
      const value = `${w}-${i}`;
      try {
        const r = await this.clients.get(member)!.txn(
          {
            success: unique.map((o) =>
              o.del
                ? { request_delete_range: { key: key(o.k) } }
                : { request_put: { key: key(o.k), value: key(value) } },
            ),
          },
          2000,
        );
        const puts = new Map(unique.filter((o) => !o.del).map((o) => [o.k, value]));
        if (puts.size > 0) this.acked.push({ revision: Number(r.header?.revision), puts });
      } catch {
        await sleep(20); // outcome unknown: the history read at the end says what happened
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    for (const c of this.clients.values()) c.close();
  }
}

const text = (b: string | Uint8Array) => (typeof b === 'string' ? b : Buffer.from(b).toString());

/** Every acknowledged put is in the history at its revision: the history is the store's truth. */
function checkAcked(history: readonly CommittedRevision[], acked: readonly Acked[]): void {
  const byRevision = new Map(history.map((r) => [r.revision, r.events]));
  for (const a of acked) {
    const events = byRevision.get(a.revision) ?? [];
    for (const [k, v] of a.puts) {
      const found = events.find((e) => e.type === 'put' && text(e.key) === k);
      assert.equal(found && text(found.value ?? ''), v, `acknowledged put ${k}=${v}@${a.revision}`);
    }
  }
}

test('watchers on every member through a leader kill, a restart and a snapshot install: every guarantee holds', async (t) => {
  const members: Endpoints = {
    endpoint: (n) => cluster.endpoint(n),
    next: (from) => {
      const running = cluster.running().filter((n) => n !== from);
      return running[Math.floor(Math.random() * running.length)] ?? from;
    },
  };
  const b = (s: string) => new Uint8Array(Buffer.from(s));
  const specs: [string, WatchRequestSpec][] = [
    ['prefix+prev', { key: b('w/'), rangeEnd: b('w0'), prevKv: true }],
    ['one-key', { key: b('w/k1') }],
    ['range-noDelete', { key: b('w/k2'), rangeEnd: b('w/k5'), filters: ['NODELETE'] }],
    ['from-key-noPut', { key: b('w/k1'), rangeEnd: b('\0'), filters: ['NOPUT'] }],
    ['history', { key: b('w/'), rangeEnd: b('w0'), startRevision: 2 }],
  ];
  const watchers: ResumingWatcher[] = [];
  for (const m of cluster.names()) {
    for (const [name, spec] of specs) {
      watchers.push(new ResumingWatcher(`${m}/${name}`, spec, members, m));
    }
  }
  const bookmarks = setInterval(() => watchers.forEach((w) => w.requestProgress()), 250);
  try {
    let frozen: string | undefined;
    const writers = new Writers(
      () => cluster.running().filter((n) => n !== frozen),
      (n) => cluster.endpoint(n),
      8,
    );
    try {
      await hurt(t, watchers, (n) => (frozen = n));
    } finally {
      await writers.stop();
    }
    const final = await caughtUp(watchers);
    const leader = await cluster.waitForLeader();
    const history = await readHistory(cluster.endpoint(leader), final);
    checkAcked(history, writers.acked);
    const result = checkWatches(
      { revisions: history, knownFrom: 1, knownThrough: final },
      watchers.map((w) => w.observation(final)),
    );
    const resumes = watchers.reduce((n, w) => n + w.resumes, 0);
    t.diagnostic(
      `${writers.acked.length} acknowledged txns, final revision ${final}, ${resumes} resumes`,
    );
    t.diagnostic(formatWatchReport(result).split('\n')[0]!);
    assert.ok(result.ok, formatWatchReport(result));
    assert.ok(resumes >= 5, `watchers on the killed leader resumed elsewhere (${resumes})`);
  } finally {
    clearInterval(bookmarks);
    for (const w of watchers) w.stop();
  }
});

/** Kills the leader and restarts it, then freezes a follower until it needs a snapshot. */
async function hurt(
  t: TestContext,
  watchers: readonly ResumingWatcher[],
  freeze: (name: string | undefined) => void,
): Promise<void> {
  await sleep(1000);
  const leader = await cluster.waitForLeader();
  await cluster.kill(leader);
  t.diagnostic(`killed the leader ${leader}`);
  await sleep(1000);
  cluster.restart(leader);
  const now = await cluster.waitForLeader();
  t.diagnostic(`restarted ${leader}`);
  // A follower that still serves watchers (those of the killed member moved away).
  const followers = cluster.running().filter((n) => n !== now);
  const frozen = followers.find((n) => n !== leader) ?? followers[0]!;
  const served = watchers.filter((w) => w.member === frozen).length;
  assert.ok(served > 0, `watchers on ${frozen}`);
  const revisionNow = async () =>
    Number((await cluster.client(now).range({ key: key('w/k0') })).header?.revision);
  const from = await revisionNow();
  freeze(frozen);
  cluster.pause(frozen);
  try {
    // Past what the leader sends a frozen follower before it waits for
    // acknowledgements (raft's 256 messages in flight), then two snapshots
    // and their catch-up tail: the next entry it needs is compacted away.
    const needed = 256 + 3 * snapshotCount;
    await eventually(
      async () => assert.ok((await revisionNow()) > from + needed, 'revisions'),
      20_000,
      `${needed} revisions committed while ${frozen} is frozen`,
    );
  } finally {
    cluster.resume(frozen);
    freeze(undefined);
  }
  t.diagnostic(
    `froze ${frozen}, serving ${served} watchers, for revisions ${from}..${await revisionNow()}`,
  );
  const snapshotLines = async (): Promise<string> => {
    const lines: string[] = [];
    for (const n of cluster.names()) {
      const log = await readFile(join(cluster.dir, `${n}.log`), 'utf8');
      lines.push(...log.split('\n').filter((l) => /snapshot from leader|sending snapshot/.test(l)));
    }
    return lines.join('\n');
  };
  await eventually(
    async () => {
      const log = await readFile(join(cluster.dir, `${frozen}.log`), 'utf8');
      assert.match(log, /installed snapshot from leader/, await snapshotLines());
    },
    20_000,
    `${frozen} installing a snapshot`,
  );
  await sleep(500);
}

/** Waits until every watcher has seen (events or bookmarks) the final revision; returns it. */
async function caughtUp(watchers: readonly ResumingWatcher[]): Promise<number> {
  const leader = await cluster.waitForLeader();
  const final = Number((await cluster.client(leader).range({ key: key('w/k0') })).header?.revision);
  await eventually(
    async () => {
      const behind = watchers.filter((w) => w.seenThrough < final);
      assert.deepEqual(
        behind.map((w) => `${w.id}@${w.seenThrough} on ${w.member}`),
        [],
        'watchers behind',
      );
    },
    20_000,
    `every watcher through revision ${final}`,
  );
  return final;
}
