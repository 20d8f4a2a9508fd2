// Every workload against a real 3-member capstan cluster, without faults:
// a few seconds of load, then its own check, whose verdicts must all pass.
// (With faults, that is `capstan chaos`; here the point is that a healthy
// cluster is judged healthy, and that each workload really exercises what
// its checks judge.)

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Client } from '../../../store/client/index.js';
import { workloadKinds, type CheckVerdict, type WorkloadKind } from '../../../store/chaos/types.js';
import type { WorkloadContext } from '../../../store/chaos/workload.js';
import { createWorkload, type WorkloadOptions } from '../../../store/chaos/workloads/index.js';
import { SeededRandom } from '../../../store/raft/random.js';
import { LoopbackCluster } from './loopback-cluster.js';
import { HistoryRecorder } from '../../../store/chaos/recorder.js';

const clientCount = 4;
const loadMs = 2_500;
const opTimeoutMs = 3_000;
/** A loaded 2-core machine manages a few hundred; this only says the workload did work. */
const minOkOps = 20;

/** Generous: other test files share the machine's cores with these members. */
const leaderTimeoutMs = 60_000;

let cluster: LoopbackCluster | undefined;
const clients: Client[] = [];

before(async () => {
  cluster = await LoopbackCluster.create(3);
  cluster.start();
  await cluster.waitForLeader(leaderTimeoutMs);
  const endpoints = cluster.endpoints();
  for (let i = 0; i < clientCount; i++) {
    const order = endpoints.map((_, k) => endpoints[(i + k) % endpoints.length]!);
    clients.push(new Client({ endpoints: order, requestTimeoutMs: opTimeoutMs }));
  }
});

after(async () => {
  for (const c of clients) c.close();
  await cluster?.close();
});

/** While the load runs: e.g. kill a member and bring it back. */
type During = (signal: AbortSignal) => Promise<void>;

async function run(kind: WorkloadKind, options: WorkloadOptions = {}, during?: During) {
  const recorder = new HistoryRecorder(kind);
  const load = new AbortController();
  const rng = new SeededRandom(42);
  const ctx: WorkloadContext = {
    clients,
    recorder,
    signal: load.signal,
    random: () => rng.float(),
    pauseMs: 0,
    opTimeoutMs,
  };
  const workload = createWorkload(kind, options);
  assert.equal(workload.kind, kind);
  await workload.setup(ctx);
  const running = clients.map((_, i) => workload.runClient(i, ctx));
  setTimeout(() => load.abort(), loadMs);
  await Promise.all([...running, during?.(load.signal)]);
  const final = new Client({ endpoints: cluster!.endpoints() });
  let verdicts: CheckVerdict[];
  try {
    verdicts = await workload.check({ client: final, history: recorder.history });
  } finally {
    final.close();
  }
  for (const v of verdicts) assert.equal(v.ok, true, `${kind} ${v.check}: ${v.explanation}`);
  const ops = recorder.ops;
  assert.ok(
    ops.every((op) => op.outcome !== 'pending'),
    'every operation completed',
  );
  const okCount = ops.filter((op) => op.outcome === 'ok').length;
  assert.ok(okCount > minOkOps, `${kind}: only ${okCount} ops succeeded`);
  const byCheck = new Map(verdicts.map((v) => [v.check, v]));
  return { recorder, verdicts: byCheck, ops };
}

describe('workloads on a healthy 3-member cluster', () => {
  it('register: linearizable, no lost writes, monotonic revisions, over two key generations', async () => {
    const { verdicts, ops } = await run('register', { keyGenerationTurns: 30, keyCount: 3 });
    assert.deepEqual([...verdicts.keys()].sort(), [
      'linearizability',
      'lost-writes',
      'monotonic-revisions',
      'read-revisions',
    ]);
    const keys = new Set(ops.map((op) => op.input['key']).filter((k) => k !== undefined));
    assert.ok(keys.size > 3, `keys from more than one generation: ${[...keys].join(' ')}`);
    const cas = ops.filter((op) => op.input['f'] === 'cas' && op.outcome === 'ok');
    assert.ok(
      cas.some((op) => op.output?.['succeeded'] === true),
      'some cas succeeded',
    );
    assert.ok(
      cas.some((op) => op.output?.['succeeded'] === false),
      'some cas failed its compare',
    );
  });

  it('mixed: serializable reads and multi-key puts judged too', async () => {
    const { verdicts, ops } = await run('mixed');
    assert.ok((verdicts.get('read-revisions')!.stats?.['serializableReads'] ?? 0) > 0);
    assert.ok(ops.some((op) => op.input['f'] === 'txn-put' && op.outcome === 'ok'));
  });

  it('bank: every read sums to the total', async () => {
    const { verdicts } = await run('bank');
    assert.ok((verdicts.get('bank-total')!.stats?.['reads'] ?? 0) > 10);
    assert.ok((verdicts.get('lost-writes')!.stats?.['acknowledgedTransfers'] ?? 0) >= 3);
  });

  it('append: every read a prefix of the final lists', async () => {
    const { verdicts } = await run('append');
    assert.ok((verdicts.get('lost-writes')!.stats?.['acknowledgedAppends'] ?? 0) >= 5);
  });

  it('watch: every watcher saw every event, and the history holds every write', async () => {
    const { verdicts, recorder } = await run('watch', { watcherCount: 6 });
    const watch = verdicts.get('watch')!;
    assert.equal(watch.stats?.['watchers'], 6);
    assert.ok((watch.stats?.['requiredEvents'] ?? 0) > 30, JSON.stringify(watch.stats));
    assert.equal(recorder.history.filter((r) => r.type === 'watch').length, 6);
  });

  // Last: it kills a member. Watchers on it resume elsewhere (a second segment each), writers
  // in flight there end 'unknown', and every verdict still holds.
  it('watch: watchers resume on another member when theirs is killed', async () => {
    const c = cluster!;
    const victim = c.names()[0]!;
    const { verdicts, recorder } = await run('watch', { watcherCount: 6 }, async () => {
      await new Promise((r) => setTimeout(r, loadMs / 3));
      await c.kill(victim);
      await c.waitForLeader(leaderTimeoutMs);
      c.start(victim);
    });
    await c.waitForLeader(leaderTimeoutMs);
    const watch = verdicts.get('watch')!;
    assert.ok((watch.stats?.['segments'] ?? 0) > 6, JSON.stringify(watch.stats));
    const resumed = recorder.history.filter(
      (r) => r.type === 'watch' && r.observation.segments.length > 1,
    );
    assert.ok(resumed.length > 0, 'some watcher resumed');
  });

  it('covers every workload kind', () => {
    assert.deepEqual([...workloadKinds].sort(), ['append', 'bank', 'mixed', 'register', 'watch']);
  });
});
