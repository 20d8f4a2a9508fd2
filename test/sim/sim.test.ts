// The deterministic simulator as part of the suite: the CI seed budget must
// pass, every deliberately broken rule must be caught within that budget,
// and a seed must replay exactly.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'node:test';
import { bugNames } from './params.js';
import { runSeed } from './run-seed.js';

/** Seeds CI runs on every change (the issue asks for at least 2,000). */
const ciSeeds = 2000;
const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

function sim(args: string[]): { status: number | null; stdout: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout + r.stderr };
}

test(`the simulator passes ${ciSeeds} seeds (safety after every step, liveness, linearizability)`, () => {
  const r = sim(['--seeds', String(ciSeeds), '--jobs', '2']);
  const failures = r.stdout
    .split('\n')
    .filter((l) => l.includes('FAILED') || l.includes('replay:'));
  assert.equal(r.status, 0, `simulator failures:\n${failures.join('\n')}`);
  assert.match(r.stdout, new RegExp(`${ciSeeds} seeds from 1: all passed`));
});

for (const bug of bugNames) {
  test(`the simulator catches the deliberate bug "${bug}" within ${ciSeeds} seeds`, (t) => {
    const r = sim(['--seeds', String(ciSeeds), '--jobs', '1', '--bug', bug, '--stop-on-failure']);
    assert.equal(
      r.status,
      1,
      `bug ${bug} went unnoticed for ${ciSeeds} seeds:\n${r.stdout.slice(-2000)}`,
    );
    const caught = /seed (\d+) FAILED \((\w+)\): (.*)/.exec(r.stdout);
    assert.ok(caught, `no failure line in:\n${r.stdout.slice(-2000)}`);
    t.diagnostic(`caught at seed ${caught[1]} by the ${caught[2]} check: ${caught[3]}`);
    assert.match(
      r.stdout,
      new RegExp(`replay: npm run sim -- --seeds 1 --from ${caught[1]} --bug ${bug}`),
    );
  });
}

test('a seed replays exactly: same history, same trace, same outcome', () => {
  for (const seed of [7, 42, 1234]) {
    const a = runSeed(seed);
    const b = runSeed(seed);
    assert.deepEqual(b, a, `seed ${seed} did not replay identically`);
  }
});

test('different seeds explore different worlds', () => {
  const summaries = new Set<string>();
  for (let seed = 1; seed <= 20; seed++) {
    const out = runSeed(seed);
    assert.ok(out.ok, `seed ${seed}: ${out.ok ? '' : out.message}`);
    summaries.add(out.summary);
  }
  assert.ok(summaries.size >= 18, `only ${summaries.size} distinct runs in 20 seeds`);
});
