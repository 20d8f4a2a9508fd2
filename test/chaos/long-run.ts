// npm run chaos:long — every nemesis × workload combination, each for
// CHAOS_MINUTES_EACH minutes (default 2), one after another (docs/chaos.md).
//
//   CHAOS_MINUTES_EACH=5 CHAOS_SEED=7 npm run chaos:long
//   CHAOS_NEMESES=partition,crash CHAOS_WORKLOADS=register,bank npm run chaos:long
//
// Each run's files go to $CHAOS_OUT/<workload>-<nemesis>/ (default
// chaos-runs/<start time>/). Prints a table and, for every failure, the
// command that replays it; exits non-zero if any run failed.

import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chaosDefaults, expandNemeses, replayCommand } from '../../store/chaos/config.js';
import { runChaos } from '../../store/chaos/runner.js';
import {
  nemesisKinds,
  workloadKinds,
  type ChaosConfig,
  type WorkloadKind,
} from '../../store/chaos/types.js';
import { createWorkload } from '../../store/chaos/workloads/index.js';

const env = process.env;
const minutesEach = Number(env['CHAOS_MINUTES_EACH'] ?? '2');
if (!(minutesEach > 0))
  throw new Error(`CHAOS_MINUTES_EACH must be a positive number, got ${env['CHAOS_MINUTES_EACH']}`);
const seed = Number(env['CHAOS_SEED'] ?? String(Date.now() % 1_000_000));
const nemeses = env['CHAOS_NEMESES'] ? expandNemeses(env['CHAOS_NEMESES']) : [...nemesisKinds];
const workloads = (env['CHAOS_WORKLOADS']?.split(',') ?? [...workloadKinds]) as WorkloadKind[];
for (const w of workloads)
  if (!workloadKinds.includes(w)) throw new Error(`CHAOS_WORKLOADS: unknown workload ${w}`);
const replicas = env['CHAOS_REPLICAS'] === '5' ? 5 : 3;
const outRoot = resolve(
  env['CHAOS_OUT'] ?? join('chaos-runs', new Date().toISOString().replace(/[:.]/g, '-')),
);

interface Row {
  workload: string;
  nemesis: string;
  ok: boolean;
  ops: number;
  unknown: number;
  faults: number;
  seconds: number;
  violation: string;
  replay: string;
}

const rows: Row[] = [];
const startedMs = Date.now();
await mkdir(outRoot, { recursive: true });
console.log(
  `chaos:long — ${workloads.length} workloads × ${nemeses.length} nemeses, ${minutesEach} min each, ` +
    `${replicas} replicas, seed ${seed}, files in ${outRoot}`,
);
for (const workload of workloads) {
  for (const nemesis of nemeses) {
    const config: ChaosConfig = {
      ...chaosDefaults,
      replicas,
      workload,
      nemeses: [nemesis],
      durationMs: Math.round(minutesEach * 60_000),
      seed,
      outDir: join(outRoot, `${workload}-${nemesis}`),
    };
    const t0 = Date.now();
    const result = await runChaos({ config, workload: createWorkload(workload) });
    const s = result.summary;
    const row: Row = {
      workload,
      nemesis,
      ok: s.ok,
      ops: s.ops.total,
      unknown: s.ops.unknown,
      faults: s.faults,
      seconds: Math.round((Date.now() - t0) / 1000),
      violation: result.violation
        ? `${result.violation.check}: ${result.violation.explanation ?? ''}`
        : '',
      replay: result.violation ? replayCommand(config) : '',
    };
    rows.push(row);
    console.log(
      `${row.ok ? 'ok  ' : 'FAIL'} ${workload.padEnd(8)} ${nemesis.padEnd(16)} ${String(row.ops).padStart(7)} ops ` +
        `${String(row.faults).padStart(3)} faults ${row.seconds}s ${row.violation}`,
    );
  }
}

const failed = rows.filter((r) => !r.ok);
const table = [
  '| workload | nemesis | verdict | ops | unknown | faults | seconds |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.workload} | ${r.nemesis} | ${r.ok ? 'ok' : `**FAIL** ${r.violation.replaceAll('|', '\\|')}`} | ${r.ops} | ${r.unknown} | ${r.faults} | ${r.seconds} |`,
  ),
].join('\n');
await writeFile(join(outRoot, 'summary.md'), `${table}\n`);
console.log(`\n${table}\n`);
console.log(
  `${rows.length} runs, ${failed.length} failed, ${Math.round((Date.now() - startedMs) / 60_000)} min; ` +
    `table in ${join(outRoot, 'summary.md')}`,
);
for (const f of failed) console.log(`replay ${f.workload}/${f.nemesis}: ${f.replay}`);
process.exitCode = failed.length > 0 ? 1 : 0;
