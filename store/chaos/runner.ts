// One `capstan chaos` run (docs/chaos.md), in phases:
//   1. start a fresh local cluster (or attach to --endpoints) and wait for a leader;
//   2. the workload's setup, then its clients until durationMs, with the
//      nemesis applying the seeded fault schedule alongside;
//   3. heal everything, give the cluster recoveryMs;
//   4. judge: the workload's own verdicts, then the checks every run ends
//      with (final-checks.ts); write history.jsonl, summary.json, report.html.
// The summary is ok only when every verdict is.

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../client/index.js';
import type { CapstanCommand } from '../local-cluster/processes.js';
import { SeededRandom } from '../raft/index.js';
import {
  AttachedCluster,
  capstanCommandHere,
  leaderOf,
  LocalChaosCluster,
  statusTimeoutMs,
  type ChaosCluster,
} from './cluster.js';
import { chaosSnapshotCount, opTimeoutMsFor, validateConfig } from './config.js';
import {
  checkConvergence,
  checkMembersStayedUp,
  collectHashes,
  missingHistoryChecks,
} from './final-checks.js';
import { LeaderSampler } from './leader-sampler.js';
import { healAllTimeoutMs, Nemesis } from './nemesis.js';
import { Progress } from './progress.js';
import { HistoryRecorder } from './recorder.js';
import { writeReport } from './report/index.js';
import { planSchedule } from './schedule.js';
import type { ChaosConfig, CheckVerdict, HistoryRecord, RunSummary } from './types.js';
import type { Workload, WorkloadContext } from './workload.js';

export interface RunOptions {
  config: ChaosConfig;
  workload: Workload;
  /** How to start `capstan store` (default: this source tree's capstan). */
  command?: CapstanCommand;
  /** Where progress and log lines go (default stderr). */
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborting ends the load phase now; healing and the checks still run (first Ctrl-C). */
  endLoad?: AbortSignal;
  /** Aborting stops every process of the run at once; the run then fails (second Ctrl-C). */
  stopNow?: AbortSignal;
}

export interface RunResult {
  summary: RunSummary;
  history: readonly HistoryRecord[];
  /** The first failed verdict, if any. */
  violation: CheckVerdict | undefined;
  /** The directory the cluster ran in (kept when the run failed without --out). */
  clusterDir: string | undefined;
}

/** How long a fresh cluster may take to elect its first leader. */
const firstLeaderTimeoutMs = 30_000;
/** Clients get this long past their operation timeout to wind down after the load phase. */
const clientsWindDownMs = 5_000;
/** How long the final hashes may take to agree after recovery. */
const convergenceTimeoutMs = 30_000;

export async function runChaos(o: RunOptions): Promise<RunResult> {
  const cfg = o.config;
  validateConfig(cfg);
  const out = o.out ?? process.stderr;
  const startedAt = new Date().toISOString();
  if (cfg.outDir !== undefined) await mkdir(cfg.outDir, { recursive: true });
  const recorder = new HistoryRecorder(
    cfg.workload,
    cfg.outDir === undefined ? undefined : join(cfg.outDir, 'history.jsonl'),
  );
  const clusterDir =
    cfg.endpoints !== undefined
      ? undefined
      : cfg.outDir !== undefined
        ? join(cfg.outDir, 'cluster')
        : await mkdtemp(join(tmpdir(), 'capstan-chaos-'));
  let loadStartMs = 0;
  let phase = 'load';
  const progress = new Progress(out, () => ({
    phase,
    elapsedMs: recorder.now() - loadStartMs,
    durationMs: cfg.durationMs,
    completed: recorder.counts.ok + recorder.counts.fail + recorder.counts.unknown,
    errors: recorder.counts.fail + recorder.counts.unknown,
    leader: sampler?.current?.leader,
    fault: nemesis?.active ? `${nemesis.active.kind} (${nemesis.active.detail})` : undefined,
  }));
  const log = (line: string): void =>
    progress.log(`[${(recorder.now() / 1000).toFixed(1)}s] ${line}`);

  let cluster: ChaosCluster | undefined;
  let sampler: LeaderSampler | undefined;
  let nemesis: Nemesis | undefined;
  const clients: Client[] = [];
  let verdicts: CheckVerdict[] = [];
  let failure: unknown;
  const stopNow = (): void => {
    log('stopping every process now');
    void cluster?.close();
  };
  o.stopNow?.addEventListener('abort', stopNow, { once: true });
  try {
    if (cfg.endpoints !== undefined) {
      cluster = new AttachedCluster(cfg.endpoints);
      log(
        `attached to ${cfg.endpoints.join(', ')}: load and checks only, no faults (docs/chaos.md)`,
      );
    } else {
      cluster = await LocalChaosCluster.start({
        dir: clusterDir!,
        replicas: cfg.replicas,
        heartbeatIntervalMs: cfg.heartbeatIntervalMs,
        electionTimeoutMs: cfg.electionTimeoutMs,
        snapshotCount: chaosSnapshotCount,
        seed: cfg.seed,
        command: o.command ?? capstanCommandHere(),
        now: () => recorder.now(),
      });
      log(`started ${cfg.replicas} members in ${clusterDir}`);
    }
    const c = cluster;
    const leader = await waitForLeader(c, firstLeaderTimeoutMs, o.stopNow);
    log(`leader ${leader}; ${cfg.clients} clients of workload ${cfg.workload}, seed ${cfg.seed}`);

    const endpoints = c.names().map((n) => c.endpoint(n));
    const opTimeoutMs = opTimeoutMsFor(cfg);
    for (let i = 0; i < cfg.clients; i++) {
      const order = endpoints.map((_, k) => endpoints[(i + k) % endpoints.length]!);
      clients.push(new Client({ endpoints: order, requestTimeoutMs: opTimeoutMs }));
    }
    const load = new AbortController();
    const rng = new SeededRandom(cfg.seed ^ 0x5eed);
    const ctx: WorkloadContext = {
      clients,
      recorder,
      signal: load.signal,
      random: () => rng.float(),
      pauseMs: cfg.ratePerSecond > 0 ? (cfg.clients * 1000) / cfg.ratePerSecond : 0,
      opTimeoutMs,
    };
    sampler = new LeaderSampler(
      c,
      () => recorder.now(),
      (s) => recorder.record(s),
    );
    sampler.start();
    await o.workload.setup(ctx);

    loadStartMs = recorder.now();
    if (c instanceof LocalChaosCluster && cfg.nemeses.length > 0) {
      const schedule = planSchedule(cfg);
      nemesis = new Nemesis({
        cluster: c,
        schedule: schedule.map((f) => ({ ...f, atMs: f.atMs + loadStartMs })),
        faultDurationMs: cfg.faultDurationMs,
        electionTimeoutMs: cfg.electionTimeoutMs,
        now: () => recorder.now(),
        record: (r, phase) => recorder.fault(r, phase),
        log,
      });
    }
    progress.start();
    const running = clients.map((_, i) => o.workload.runClient(i, ctx));
    const faults = nemesis?.run(load.signal) ?? Promise.resolve();
    const endOfLoad = setTimeout(() => load.abort(), cfg.durationMs);
    o.endLoad?.addEventListener('abort', () => load.abort(), { once: true });
    if (o.endLoad?.aborted) load.abort();
    await faults;
    await new Promise<void>((r) =>
      load.signal.aborted ? r() : load.signal.addEventListener('abort', () => r()),
    );
    clearTimeout(endOfLoad);
    await withDeadline(
      Promise.all(running),
      opTimeoutMs + clientsWindDownMs,
      'the clients to stop',
    );
    log(`load phase over: ${recorder.ops.length} operations`);

    if (o.stopNow?.aborted) throw new Error('stopped by the user');
    phase = 'healing';
    if (nemesis) {
      await nemesis.healAll();
      log('healed everything');
    }
    phase = 'recovering';
    await new Promise((r) => setTimeout(r, cfg.recoveryMs));
    await waitForLeader(c, healAllTimeoutMs, o.stopNow);
    progress.stop();

    const final = new Client({ endpoints });
    try {
      verdicts = await o.workload.check({ client: final, history: recorder.history });
    } finally {
      final.close();
    }
    verdicts.push(...missingHistoryChecks(cfg.workload, recorder.history, verdicts));
    const members = c instanceof LocalChaosCluster ? c.members() : c.names();
    verdicts.push(
      checkConvergence(await collectHashes(c, members, Date.now() + convergenceTimeoutMs)),
    );
    if (c instanceof LocalChaosCluster) verdicts.push(checkMembersStayedUp(c));
  } catch (e) {
    failure = e;
  } finally {
    o.stopNow?.removeEventListener('abort', stopNow);
    progress.stop();
    await sampler?.stop();
    for (const cl of clients) cl.close();
    await cluster?.close();
  }
  recorder.finish();
  await recorder.close();
  if (failure !== undefined) {
    verdicts.push({
      check: 'run',
      ok: false,
      explanation: `the run could not finish: ${failure instanceof Error ? failure.message : String(failure)}`,
    });
  }
  const summary: RunSummary = {
    config: cfg,
    startedAt,
    elapsedMs: Math.round(recorder.now()),
    ops: { total: recorder.ops.length, ...recorder.counts },
    faults: recorder.history.filter((r) => r.type === 'fault').length,
    verdicts,
    ok: verdicts.length > 0 && verdicts.every((v) => v.ok),
  };
  if (cfg.outDir !== undefined) await writeReport(cfg.outDir, recorder.history, summary);
  let keptDir = clusterDir;
  if (clusterDir !== undefined && cfg.outDir === undefined && summary.ok) {
    await rm(clusterDir, { recursive: true, force: true });
    keptDir = undefined;
  }
  return {
    summary,
    history: recorder.history,
    violation: verdicts.find((v) => !v.ok),
    clusterDir: keptDir,
  };
}

/** The leader every answering member agrees on, once there is one. */
async function waitForLeader(
  c: ChaosCluster,
  timeoutMs: number,
  stop?: AbortSignal,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  while (Date.now() < deadline) {
    if (stop?.aborted) throw new Error('stopped by the user');
    const views = await c.views(statusTimeoutMs);
    const { leader } = leaderOf(views, c.memberNames);
    if (leader !== undefined) return leader;
    seen = views
      .map((v) => `${v.name}: ${v.error ?? `leader ${v.status?.leader.toString(16)}`}`)
      .join(', ');
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no leader within ${timeoutMs} ms (${seen})`);
}

async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`waited ${ms} ms for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
