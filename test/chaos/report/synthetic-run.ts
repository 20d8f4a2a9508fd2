// A synthetic chaos run for the report tests: seeded, so every test sees the
// same history; sized by the caller, from a handful of operations up to the
// 200k of a long run. Clients issue one operation at a time; during a fault a
// share of them fail or time out, and the leader changes after each fault.

import type {
  ChaosConfig,
  CheckVerdict,
  FaultRecord,
  HistoryRecord,
  LeaderSample,
  NemesisKind,
  OpRecord,
  RunSummary,
} from '../../../store/chaos/types.js';

export interface SyntheticOptions {
  ops: number;
  clients: number;
  durationMs: number;
  faults: number;
  seed?: number;
  /** Add a failing linearizability verdict whose witness is these op ids (default: passing). */
  witness?: number[];
}

/** mulberry32: small, seeded, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const members = ['m1', 'm2', 'm3'];
const kinds: NemesisKind[] = ['kill-leader', 'partition-half', 'pause-random', 'latency'];

export function configOf(o: SyntheticOptions): ChaosConfig {
  return {
    replicas: 3,
    durationMs: o.durationMs,
    nemeses: kinds,
    workload: 'register',
    clients: o.clients,
    ratePerSecond: 0,
    seed: o.seed ?? 1,
    outDir: undefined,
    endpoints: undefined,
    faultIntervalMs: 5_000,
    faultDurationMs: 2_000,
    recoveryMs: 3_000,
    heartbeatIntervalMs: 100,
    electionTimeoutMs: 1_000,
  };
}

export function syntheticRun(o: SyntheticOptions): {
  records: HistoryRecord[];
  summary: RunSummary;
} {
  const random = seededRandom(o.seed ?? 1);
  const faults: FaultRecord[] = [];
  const slot = o.durationMs / Math.max(o.faults, 1);
  for (let i = 0; i < o.faults; i++) {
    const startMs = i * slot + slot * 0.3;
    faults.push({
      type: 'fault',
      kind: kinds[i % kinds.length]!,
      targets: [members[i % members.length]!],
      detail: `fault ${i}`,
      startMs,
      endMs: startMs + slot * 0.4,
    });
  }
  const inFault = (t: number): boolean => faults.some((f) => t >= f.startMs && t < f.endMs!);
  const leaders: LeaderSample[] = [];
  for (let t = 0, term = 2; t < o.durationMs; t += 250) {
    const during = inFault(t);
    if (!during && leaders.at(-1)?.leader === undefined && t > 0) term++;
    leaders.push({
      type: 'leader',
      atMs: t,
      leader: during ? undefined : members[term % members.length],
      term,
    });
  }
  const perClient = Math.ceil(o.ops / o.clients);
  const stepMs = o.durationMs / perClient;
  const ops: OpRecord[] = [];
  for (let c = 0; c < o.clients; c++) {
    for (let k = 0; k < perClient && ops.length < o.ops; k++) {
      const invokeMs = k * stepMs + random() * stepMs * 0.2;
      const faulty = inFault(invokeMs) && random() < 0.3;
      const outcome = faulty ? (random() < 0.5 ? 'fail' : 'unknown') : 'ok';
      const key = `k${Math.floor(random() * 5)}`;
      const put = random() < 0.5;
      ops.push({
        type: 'op',
        id: 0,
        client: c,
        workload: 'register',
        input: put ? { f: 'put', key, value: `v${k}` } : { f: 'get', key },
        invokeMs,
        completeMs: invokeMs + stepMs * (0.2 + random() * 0.6),
        outcome,
        ...(outcome === 'ok' ? { output: put ? {} : { value: `v${k - 1}` }, revision: k + 1 } : {}),
        member: members[c % members.length]!,
        ...(outcome === 'ok'
          ? {}
          : { error: outcome === 'fail' ? 'etcdserver: leader changed' : 'timeout' }),
      });
    }
  }
  ops.sort((a, b) => a.invokeMs - b.invokeMs);
  ops.forEach((op, i) => (op.id = i));
  const verdicts: CheckVerdict[] = [
    { check: 'linearizability', ok: true, stats: { operations: ops.length, searchMs: 12 } },
    { check: 'lost-writes', ok: true },
  ];
  if (o.witness !== undefined) {
    verdicts[0] = {
      check: 'linearizability',
      ok: false,
      explanation: 'get(k1) returned v3, but v4 was written before it began.',
      witness: o.witness,
      stats: { operations: ops.length },
    };
  }
  const count = (x: string): number => ops.filter((op) => op.outcome === x).length;
  const summary: RunSummary = {
    config: configOf(o),
    startedAt: '2024-05-01T12:00:00.000Z',
    elapsedMs: o.durationMs,
    ops: { total: ops.length, ok: count('ok'), fail: count('fail'), unknown: count('unknown') },
    faults: faults.length,
    verdicts,
    ok: verdicts.every((v) => v.ok),
  };
  return { records: [...faults, ...leaders, ...ops], summary };
}
