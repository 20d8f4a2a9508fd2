// etcdctl 3.4 drives real etcd 3.4 and capstan through the same sessions;
// after normalization (normalize.ts: ids, ports, terms, raft indexes,
// timings, sizes, hashes) every command must print exactly the same on
// stdout and stderr and exit with the same code. Each command is its own
// subtest, so a failure shows the one command and a diff of its output
// (- etcd, + capstan).
//
// Both servers run with the same --max-request-bytes and the same timing.
// Skipped when etcd or etcdctl is not installed.

import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { findOnPath } from '../store/server/grpc/etcdctl.js';
import { clusterNames, clusterSession, prepareCluster } from './cluster-session.js';
import { ctlTitle, normalizeCtl, normalizeGrpc, type Facts } from './normalize.js';
import { runSession, Session, type Step, type StepRecord } from './session.js';
import { singleMemberSession } from './single-member-session.js';
import {
  startCapstanTarget,
  startEtcdTarget,
  type CompatTarget,
  type TargetKind,
} from './targets.js';

const etcdBin = findOnPath('etcd');
const etcdctlBin = findOnPath('etcdctl');
const maxRequestBytes = 1024 * 1024;

interface Run {
  kind: TargetKind;
  records: StepRecord[];
  facts: Facts;
  elapsedMs: number;
}

async function startTarget(kind: TargetKind, members: number): Promise<CompatTarget> {
  const o = { members, maxRequestBytes };
  return kind === 'etcd' ? startEtcdTarget(etcdBin!, etcdctlBin!, o) : startCapstanTarget(o);
}

/** Starts a fresh target, runs the session on it, and stops it (always). */
async function runOn(
  kind: TargetKind,
  members: number,
  steps: readonly Step[],
  prepare: (s: Session) => Promise<void>,
): Promise<Run> {
  const started = Date.now();
  const target = await startTarget(kind, members);
  const s = new Session(target, etcdctlBin!);
  try {
    await prepare(s);
    const records = await runSession(s, steps);
    const ids = new Map<bigint, string>([[s.clusterId, 'cluster']]);
    for (const [name, id] of s.ids) ids.set(id, name);
    const facts: Facts = { ids, ports: target.ports(), dir: target.dir };
    return { kind, records, facts, elapsedMs: Date.now() - started };
  } finally {
    s.close();
    await target.close();
  }
}

/** Runs the session on etcd and capstan side by side; both are cleaned up whatever happens. */
async function runBoth(
  members: number,
  steps: readonly Step[],
  prepare: (s: Session) => Promise<void>,
): Promise<[Run, Run]> {
  const [etcd, capstan] = await Promise.allSettled([
    runOn('etcd', members, steps, prepare),
    runOn('capstan', members, steps, prepare),
  ]);
  for (const [kind, r] of [
    ['etcd', etcd],
    ['capstan', capstan],
  ] as const) {
    if (r.status === 'rejected') {
      const why =
        r.reason instanceof Error ? (r.reason.stack ?? r.reason.message) : String(r.reason);
      throw new Error(`the ${kind} session could not run: ${why}`, { cause: r.reason });
    }
  }
  if (etcd.status !== 'fulfilled' || capstan.status !== 'fulfilled') throw new Error('unreachable');
  return [etcd.value, capstan.value];
}

function rendered(rec: StepRecord, facts: Facts): { title: string; text: string } {
  if (rec.kind === 'ctl') return { title: ctlTitle(rec, facts), text: normalizeCtl(rec, facts) };
  return { title: `gRPC ${rec.title}`, text: normalizeGrpc(rec, facts) };
}

/** One subtest per step: capstan's normalized output must equal etcd's. */
async function compare(t: TestContext, etcd: Run, capstan: Run): Promise<void> {
  t.diagnostic(`etcd session ${etcd.elapsedMs} ms, capstan session ${capstan.elapsedMs} ms`);
  assert.equal(capstan.records.length, etcd.records.length);
  for (let i = 0; i < etcd.records.length; i++) {
    const want = rendered(etcd.records[i]!, etcd.facts);
    const got = rendered(capstan.records[i]!, capstan.facts);
    const known = etcd.records[i]!.knownDifference;
    await t.test(`${i + 1}. ${want.title}`, known !== undefined ? { todo: known } : {}, () => {
      assert.equal(got.title, want.title, 'the same command');
      assert.equal(got.text, want.text, `capstan (+) differs from etcd (-) for: ${want.title}`);
    });
  }
}

describe('etcdctl 3.4 against real etcd and capstan', () => {
  test('a fresh single-member cluster', async (t) => {
    if (etcdBin === undefined || etcdctlBin === undefined) {
      return t.skip('etcd or etcdctl not installed');
    }
    const [etcd, capstan] = await runBoth(1, singleMemberSession({ maxRequestBytes }), (s) =>
      s.learnIds(),
    );
    await compare(t, etcd, capstan);
  });

  test('a fresh three-member cluster', async (t) => {
    if (etcdBin === undefined || etcdctlBin === undefined) {
      return t.skip('etcd or etcdctl not installed');
    }
    const [etcd, capstan] = await runBoth(clusterNames.length, clusterSession(), prepareCluster);
    await compare(t, etcd, capstan);
  });
});
