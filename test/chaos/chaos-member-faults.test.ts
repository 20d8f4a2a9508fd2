// CI chaos run 2 of 4: bank workload (the total never changes) against
// faults on any member — kill one or a majority, pause one, a
// majority/minority split, packet loss.

import { after, test } from 'node:test';
import { assertVerdicts, cleanup, suiteRun, type SuiteRun } from './suite.js';

let run: SuiteRun | undefined;
after(() => cleanup(run));

test('bank under kill-random, kill-majority, pause-random, partition-half, packet-loss', async (t) => {
  run = await suiteRun({
    workload: 'bank',
    seed: 12,
    nemeses: [
      'kill-random',
      'kill-majority',
      'pause-random',
      'partition-half',
      'packet-loss',
      'crash-point',
    ],
  });
  await assertVerdicts(t, run);
});
