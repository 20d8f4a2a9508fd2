// CI chaos run 3 of 4: the watch workload (watchers resume across members,
// checked by the watch validator) while members are removed and added back
// as learners, and replaced with an emptied data dir.

import { after, test } from 'node:test';
import { assertVerdicts, cleanup, suiteRun, type SuiteRun } from './suite.js';

let run: SuiteRun | undefined;
after(() => cleanup(run));

test('watch under membership churn and member replacement', async (t) => {
  run = await suiteRun(
    {
      workload: 'watch',
      seed: 13,
      nemeses: ['membership', 'replace-member'],
      durationMs: 30_000,
      faultIntervalMs: 10_000,
      faultDurationMs: 2_000,
    },
    { catchUpMs: 10_000 },
  );
  await assertVerdicts(t, run);
});
