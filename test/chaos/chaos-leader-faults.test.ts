// CI chaos run 1 of 4: register workload (linearizability) against faults
// aimed at the leader and at links — kill, pause and isolate the leader, a
// ring of majorities, one-way loss, added latency.

import { after, test } from 'node:test';
import { assertVerdicts, cleanup, suiteRun, type SuiteRun } from './suite.js';

let run: SuiteRun | undefined;
after(() => cleanup(run));

test('register under kill-leader, pause-leader, partition-leader, partition-ring, one-way-loss, latency', async (t) => {
  run = await suiteRun({
    workload: 'register',
    seed: 11,
    nemeses: [
      'kill-leader',
      'pause-leader',
      'partition-leader',
      'partition-ring',
      'one-way-loss',
      'latency',
    ],
  });
  await assertVerdicts(t, run);
});
