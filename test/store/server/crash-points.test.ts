// Crash points (store/server/crash-points.ts): armed by CAPSTAN_CRASH_POINT,
// the N-th hit of the named point exits with crashExitCode; unarmed, a call
// is a no-op that costs next to nothing; a malformed value is refused.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import {
  crashExitCode,
  crashPoint,
  crashPointEnv,
  parseCrashPoint,
} from '../../../store/server/crash-points.js';

const moduleUrl = new URL('../../../store/server/crash-points.ts', import.meta.url).href;
const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Runs a script that passes before-apply five times, printing each pass. */
function runHits(env: Record<string, string>): {
  status: number | null;
  stdout: string;
  stderr: string;
} {
  const script = `
    const { crashPoint } = await import(${JSON.stringify(moduleUrl)});
    for (let i = 1; i <= 5; i++) { crashPoint('after-persist'); crashPoint('before-apply'); console.log('passed', i); }
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('an armed point exits with the crash code at its N-th hit, and says so', () => {
  const r = runHits({ [crashPointEnv]: 'before-apply:3' });
  assert.equal(r.status, crashExitCode);
  assert.equal(r.stdout.trim(), 'passed 1\npassed 2');
  assert.match(r.stderr, /crash point before-apply \(hit 3\) reached: exiting 86/);
});

test('unarmed (or armed elsewhere), crash points are no-ops', () => {
  assert.equal(runHits({ [crashPointEnv]: '' }).status, 0);
  assert.equal(
    runHits({ [crashPointEnv]: 'compaction:1' })
      .stdout.trim()
      .split('\n').length,
    5,
  );
});

test('a malformed value refuses to start rather than never crash', () => {
  assert.throws(() => parseCrashPoint('before-persit:1'), /expected <name>\[:<hit>\]/);
  assert.throws(() => parseCrashPoint('before-persist:0'), /hit ≥ 1/);
  assert.deepEqual(parseCrashPoint('snapshot-save'), { name: 'snapshot-save', hit: 1 });
  assert.equal(parseCrashPoint(undefined), undefined);
  const r = runHits({ [crashPointEnv]: 'nonsense' });
  assert.notEqual(r.status, 0);
  assert.notEqual(r.status, crashExitCode);
});

test('the cost of an unarmed crash point is negligible (well under 50 ns a call)', (t) => {
  assert.equal(process.env[crashPointEnv] ?? '', '', 'this test process runs unarmed');
  // The best of a few rounds: a busy machine only ever makes a round slower.
  const calls = 2_000_000;
  let bestNs = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) crashPoint('before-persist');
    bestNs = Math.min(bestNs, ((performance.now() - t0) * 1e6) / calls);
  }
  t.diagnostic(`unarmed crashPoint: ${bestNs.toFixed(2)} ns a call (best of 5 rounds)`);
  assert.ok(bestNs < 50, `${bestNs.toFixed(2)} ns a call`);
});
