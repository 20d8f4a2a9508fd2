// Crash points: places inside the replica where a fault run (`capstan
// chaos`, docs/chaos.md) can make the process die on purpose, to prove that
// a crash at exactly that step loses nothing acknowledged — FoundationDB's
// "buggify" sites, limited to dying.
//
// Armed only by the test-only environment variable
//   CAPSTAN_CRASH_POINT=<name>:<hit>     e.g. before-persist:3
// which makes the <hit>-th time the process passes <name> exit at once with
// crashExitCode (no cleanup, no flush: as close to kill -9 as a process can do
// to itself). Without the variable every crashPoint() call is a comparison
// with undefined and a return (measured in test/store/server/crash-points.test.ts).
// A malformed value refuses to start rather than silently not crash.

import { writeSync } from 'node:fs';

export const crashPointNames = [
  'before-persist',
  'after-persist',
  'before-apply',
  'after-apply',
  'snapshot-save',
  'snapshot-install',
  'compaction',
] as const;

export type CrashPointName = (typeof crashPointNames)[number];

/** The exit code of a process that died at an armed crash point (distinct from 0, 1 and signals). */
export const crashExitCode = 86;

export const crashPointEnv = 'CAPSTAN_CRASH_POINT';

export interface ArmedCrashPoint {
  name: CrashPointName;
  /** The 1-based hit that crashes. */
  hit: number;
}

/** Parses the variable's value; undefined when unset or empty. */
export function parseCrashPoint(value: string | undefined): ArmedCrashPoint | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^([a-z-]+)(?::(\d+))?$/.exec(value);
  const name = m?.[1] as CrashPointName | undefined;
  const hit = m?.[2] === undefined ? 1 : Number(m[2]);
  if (!name || !crashPointNames.includes(name) || !Number.isSafeInteger(hit) || hit < 1) {
    throw new Error(
      `${crashPointEnv}=${value}: expected <name>[:<hit>] with a name among ${crashPointNames.join(', ')} and hit ≥ 1`,
    );
  }
  return { name, hit };
}

// Read once at load: the process either runs armed from its start or never.
const armed = parseCrashPoint(process.env[crashPointEnv]);
let hits = 0;

/** Exits the process when `name` is the armed point and this is its armed hit; otherwise nothing. */
export function crashPoint(name: CrashPointName): void {
  if (armed === undefined || armed.name !== name) return;
  hits++;
  if (hits < armed.hit) return;
  // Synchronous, so the reason is on disk even though nothing else gets out.
  writeSync(2, `capstan: crash point ${name} (hit ${hits}) reached: exiting ${crashExitCode}\n`);
  process.exit(crashExitCode);
}

/** The armed point of this process, if any (for the start-up log line). */
export function armedCrashPoint(): ArmedCrashPoint | undefined {
  return armed;
}
