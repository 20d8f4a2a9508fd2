// CI chaos run 4 of 4: the append workload (no acknowledged append lost,
// every read a prefix of the final value) while members restart with a crash
// point armed inside the replica — they die at exactly that step of
// persisting, applying or compacting, and restart clean.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { assertVerdicts, cleanup, suiteRun, type SuiteRun } from './suite.js';

let run: SuiteRun | undefined;
after(() => cleanup(run));

test('append under crash points (before-apply, after-persist, compaction for this seed)', async (t) => {
  run = await suiteRun({
    workload: 'append',
    seed: 14,
    nemeses: ['crash-point'],
    durationMs: 30_000,
    faultIntervalMs: 8_000,
    faultDurationMs: 1_500,
  });
  const faults = run.result.history.filter((r) => r.type === 'fault');
  for (const f of faults) t.diagnostic(`${f.kind}: ${f.detail}`);
  assert.ok(
    faults.some((f) => f.type === 'fault' && /crashed there/.test(f.detail)),
    'at least one member died at its crash point',
  );
  await assertVerdicts(t, run);
});
