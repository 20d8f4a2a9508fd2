// Attaching to a cluster the run did not start (--endpoints): the load and
// every check run, no fault does — a nemesis is refused before anything starts.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ChaosUsageError } from '../../store/chaos/config.js';
import { runChaos } from '../../store/chaos/runner.js';
import { createWorkload } from '../../store/chaos/workloads/index.js';
import { TestCluster } from '../integration/harness.js';
import { ciConfig, assertVerdicts, cleanup, type SuiteRun } from './suite.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

let cluster: TestCluster;
let run: SuiteRun | undefined;
before(async () => {
  cluster = await TestCluster.start({ replicas: 1 });
});
after(async () => {
  await cleanup(run);
  await cluster?.close();
});

const quiet = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { isTTY: false });

test('a nemesis against an attached cluster is refused before anything runs', async () => {
  await assert.rejects(
    runChaos({
      config: {
        ...ciConfig,
        workload: 'register',
        seed: 1,
        outDir: undefined,
        nemeses: ['kill-leader'],
        endpoints: [cluster.endpoint('m1')],
      },
      workload: createWorkload('register'),
      out: quiet,
    }),
    (e: unknown) => e instanceof ChaosUsageError && /--endpoints/.test(e.message),
  );
});

test('attached: load and checks only, every verdict ok, no fault, no process of ours', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'capstan-chaos-ci-'));
  const result = await runChaos({
    config: {
      ...ciConfig,
      workload: 'register',
      seed: 2,
      durationMs: 3_000,
      nemeses: [],
      endpoints: [cluster.endpoint('m1')],
      outDir: dir,
    },
    workload: createWorkload('register'),
    out: quiet,
  });
  run = { result, dir };
  assert.equal(result.summary.faults, 0);
  assert.equal(result.clusterDir, undefined);
  assert.deepEqual(
    result.summary.verdicts
      .map((v) => v.check)
      .filter((c) => c === 'convergence' || c === 'members-stayed-up'),
    ['convergence'],
  );
  await assertVerdicts(t, run);
});
