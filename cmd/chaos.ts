// `capstan chaos`: wiring for store/chaos (docs/chaos.md).

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ChaosUsageError,
  chaosDefaults,
  configFromFlags,
  nemesisFamilies,
  replayCommand,
} from '../store/chaos/config.js';
import { runChaos } from '../store/chaos/runner.js';
import {
  nemesisKinds,
  workloadKinds,
  type ChaosConfig,
  type CheckVerdict,
} from '../store/chaos/types.js';
import { createWorkload } from '../store/chaos/workloads/index.js';

const d = chaosDefaults;

export const chaosUsage = `usage: capstan chaos [options]

Starts a fresh cluster of capstan store processes on loopback (or attaches to
--endpoints), runs a workload's clients while a nemesis injects faults, heals
everything, lets the cluster recover, and checks the history. Exits 0 only
when every check passes.

options:
  --replicas 3|5          members to start (default ${d.replicas})
  --duration D            length of the load phase, e.g. 60s, 5m (default ${d.durationMs / 1000}s)
  --nemesis N,...         faults to inject (default all); names or families:
                            ${nemesisKinds.join(', ')}
                            families: ${Object.entries(nemesisFamilies)
                              .filter(([f]) => f !== 'all' && f !== 'none')
                              .map(([f]) => f)
                              .join(', ')}, all, none
  --workload W            ${workloadKinds.join('|')} (default ${d.workload})
  --clients N             logical clients, one operation in flight each (default ${d.clients})
  --rate R                operations per second over all clients; 0 = as fast as they go (default ${d.ratePerSecond})
  --seed S                seed of the fault schedule and the workload (default ${d.seed})
  --out DIR               write history.jsonl, summary.json, report.html and the members' logs there
  --endpoints H:P,...     attach to a running cluster: load and checks only, no faults
  --fault-interval D      time between fault starts (default ${d.faultIntervalMs / 1000}s)
  --fault-duration D      how long each fault is held (default ${d.faultDurationMs / 1000}s)
  --recovery D            calm after healing, before the checks (default ${d.recoveryMs / 1000}s)
  --heartbeat-interval D  members' raft heartbeat (default ${d.heartbeatIntervalMs}ms)
  --election-timeout D    members' election timeout (default ${d.electionTimeoutMs}ms)`;

const flagNames = [
  'replicas',
  'duration',
  'nemesis',
  'workload',
  'clients',
  'rate',
  'seed',
  'out',
  'endpoints',
  'fault-interval',
  'fault-duration',
  'recovery',
  'heartbeat-interval',
  'election-timeout',
] as const;

function verdictLine(v: CheckVerdict): string {
  const stats = v.stats
    ? ` (${Object.entries(v.stats)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')})`
    : '';
  return `  ${v.ok ? 'ok  ' : 'FAIL'} ${v.check}${stats}`;
}

export async function runChaosCommand(args: string[]): Promise<number> {
  let config: ChaosConfig;
  try {
    const { values } = parseArgs({
      args,
      options: Object.fromEntries(flagNames.map((f) => [f, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    });
    config = configFromFlags(values as Record<(typeof flagNames)[number], string | undefined>);
  } catch (e) {
    if (e instanceof ChaosUsageError || (e instanceof TypeError && 'code' in e)) {
      console.error(`capstan chaos: ${e.message}\n\n${chaosUsage}`);
      return 2;
    }
    throw e;
  }
  if (config.outDir !== undefined) config.outDir = resolve(config.outDir);
  // First Ctrl-C: end the load now, still heal and judge. Second: stop everything.
  const endLoad = new AbortController();
  const stopNow = new AbortController();
  const onInterrupt = (): void => {
    if (!endLoad.signal.aborted) {
      console.error('\ninterrupted: ending the load phase now (Ctrl-C again to stop everything)');
      endLoad.abort();
    } else {
      stopNow.abort();
    }
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', () => stopNow.abort());
  let result;
  try {
    result = await runChaos({
      config,
      workload: createWorkload(config.workload),
      endLoad: endLoad.signal,
      stopNow: stopNow.signal,
    });
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  if (stopNow.signal.aborted) return 130;
  const s = result.summary;
  console.log(
    `\n${s.ops.total} operations (${s.ops.ok} ok, ${s.ops.fail} failed, ${s.ops.unknown} unknown), ` +
      `${s.faults} faults, ${(s.elapsedMs / 1000).toFixed(1)} s`,
  );
  for (const v of s.verdicts) console.log(verdictLine(v));
  if (config.outDir !== undefined) console.log(`report: ${resolve(config.outDir, 'report.html')}`);
  if (result.violation) {
    console.log(
      `\nFIRST VIOLATION (${result.violation.check}): ${result.violation.explanation ?? ''}`,
    );
    if (result.clusterDir) console.log(`members' data and logs kept in ${result.clusterDir}`);
    console.log(`replay: ${replayCommand(config)}`);
    return 1;
  }
  console.log('\nevery check passed');
  return 0;
}
