// npm run sim -- --seeds N [--from S] [--nodes 1|3|5] [--bug NAME] [--jobs J] [--verbose]
//
// Runs N seeds of the deterministic simulator and prints, for every failure,
// the one command that replays it. Exits non-zero if any seed fails.

import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { bugNames, type BugName, type ParamOverrides } from './params.js';
import { runSeed, type RunOutcome } from './run-seed.js';

interface Args {
  seeds: number;
  from: number;
  jobs: number;
  verbose: boolean;
  stopOnFailure: boolean;
  overrides: ParamOverrides;
}

function parse(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      seeds: { type: 'string', default: '100' },
      from: { type: 'string', default: '1' },
      nodes: { type: 'string' },
      bug: { type: 'string' },
      jobs: { type: 'string' },
      'safety-ticks': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      'stop-on-failure': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const int = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new Error(`--${name} must be a non-negative integer, got ${v}`);
    return n;
  };
  const nodes = int('nodes', values.nodes);
  if (nodes !== undefined && ![1, 3, 5].includes(nodes))
    throw new Error('--nodes must be 1, 3 or 5');
  if (values.bug !== undefined && !(bugNames as readonly string[]).includes(values.bug)) {
    throw new Error(`--bug must be one of ${bugNames.join(', ')}`);
  }
  const overrides: ParamOverrides = {};
  if (nodes !== undefined) overrides.nodes = nodes;
  if (values.bug !== undefined) overrides.bug = values.bug as BugName;
  const safetyTicks = int('safety-ticks', values['safety-ticks']);
  if (safetyTicks !== undefined) overrides.safetyTicks = safetyTicks;
  return {
    seeds: int('seeds', values.seeds)!,
    from: int('from', values.from)!,
    jobs: int('jobs', values.jobs) ?? Math.max(1, Math.min(availableParallelism(), 8)),
    verbose: values.verbose,
    stopOnFailure: values['stop-on-failure'],
    overrides,
  };
}

export function replayCommand(seed: number, o: ParamOverrides): string {
  const parts = ['npm run sim --', `--seeds 1 --from ${seed}`];
  if (o.nodes !== undefined) parts.push(`--nodes ${o.nodes}`);
  if (o.bug !== undefined) parts.push(`--bug ${o.bug}`);
  if (o.safetyTicks !== undefined) parts.push(`--safety-ticks ${o.safetyTicks}`);
  return `${parts.join(' ')} --verbose`;
}

function report(seed: number, out: RunOutcome, args: Args): void {
  if (out.ok) {
    if (args.verbose) console.log(`seed ${seed} ok: ${out.summary}`);
    return;
  }
  console.log(`seed ${seed} FAILED (${out.kind}): ${out.message}`);
  if (args.verbose) {
    console.log(`  params: ${JSON.stringify(out.params)}`);
    for (const line of out.trace.slice(-60)) console.log(`  ${line}`);
  }
  console.log(`  replay: ${replayCommand(seed, args.overrides)}`);
}

/** Long runs print a line every this many seeds per process, so they visibly progress. */
const progressEverySeeds = 5000;

/** Runs seeds [from, from + count) in this process; returns the failing seeds. */
function runRange(from: number, count: number, args: Args): number[] {
  const failed: number[] = [];
  for (let s = from; s < from + count; s++) {
    const out = runSeed(s, args.overrides);
    report(s, out, args);
    const done = s - from + 1;
    if (done % progressEverySeeds === 0 && done < count) {
      console.log(
        `sim: seeds ${from}..${s} done (${failed.length + (out.ok ? 0 : 1)} failed so far)`,
      );
    }
    if (!out.ok) {
      failed.push(s);
      if (args.stopOnFailure) break;
    }
  }
  return failed;
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const started = performance.now();
  const worker = process.env['CAPSTAN_SIM_WORKER'];
  if (worker) {
    const failed = runRange(args.from, args.seeds, args);
    process.send?.({ failed });
    return;
  }
  let failed: number[];
  if (args.jobs <= 1 || args.seeds < 2 * args.jobs) {
    failed = runRange(args.from, args.seeds, args);
  } else {
    failed = await runParallel(args);
  }
  const secs = (performance.now() - started) / 1000;
  const desc = `${args.seeds} seeds from ${args.from}`;
  if (failed.length === 0) {
    console.log(`sim: ${desc}: all passed in ${secs.toFixed(1)} s`);
  } else {
    console.log(
      `sim: ${desc}: ${failed.length} FAILED in ${secs.toFixed(1)} s: ${failed.join(' ')}`,
    );
    process.exitCode = 1;
  }
}

async function runParallel(args: Args): Promise<number[]> {
  const self = fileURLToPath(import.meta.url);
  const per = Math.ceil(args.seeds / args.jobs);
  const runs: Promise<number[]>[] = [];
  for (let j = 0; j < args.jobs; j++) {
    const from = args.from + j * per;
    const count = Math.min(per, args.from + args.seeds - from);
    if (count <= 0) break;
    const childArgs = ['--seeds', String(count), '--from', String(from), '--jobs', '1'];
    if (args.overrides.nodes !== undefined) childArgs.push('--nodes', String(args.overrides.nodes));
    if (args.overrides.bug !== undefined) childArgs.push('--bug', args.overrides.bug);
    if (args.overrides.safetyTicks !== undefined)
      childArgs.push('--safety-ticks', String(args.overrides.safetyTicks));
    if (args.verbose) childArgs.push('--verbose');
    if (args.stopOnFailure) childArgs.push('--stop-on-failure');
    runs.push(
      new Promise((resolve, reject) => {
        const child = fork(self, childArgs, {
          env: { ...process.env, CAPSTAN_SIM_WORKER: '1' },
          execArgv: process.execArgv,
        });
        let failed: number[] | undefined;
        child.on('message', (m: { failed: number[] }) => (failed = m.failed));
        child.on('error', reject);
        child.on('exit', (code) => {
          if (failed) resolve(failed);
          else
            reject(
              new Error(`sim worker for seeds ${from}.. exited with ${code} without a result`),
            );
        });
      }),
    );
  }
  return (await Promise.all(runs)).flat();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 2;
});
