// The command line around the store: `capstan cluster up|status|down`
// manages a local cluster whose data survives down and up, and `capstan
// ctl` talks to it.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { readClusterFile } from '../../store/local-cluster/cluster-file.js';
import { isRunning } from '../../store/local-cluster/processes.js';
import { capstanFromSources, eventually } from './harness.js';

const run = promisify(execFile);
let dir: string;

async function capstan(
  ...args: string[]
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(capstanFromSources.node, [...capstanFromSources.args, ...args], {
      env: { ...process.env, CAPSTAN_ENDPOINTS: '' },
      timeout: 30_000,
    });
    return { ...r, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capstan-cli-'));
});
after(async () => {
  await capstan('cluster', 'down', '--dir', dir);
  await rm(dir, { recursive: true, force: true });
});

test('cluster up --detach, status, ctl, down, up again: the data survives', async () => {
  const up = await capstan('cluster', 'up', '--replicas', '3', '--dir', dir, '--detach');
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, /etcdctl --endpoints=127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+/);
  const file = (await readClusterFile(dir))!;
  const endpoints = file.members.map((m) => `127.0.0.1:${m.clientPort}`).join(',');
  const ctl = (...a: string[]) => capstan('ctl', `--endpoints=${endpoints}`, ...a);

  await eventually(
    async () => assert.equal((await ctl('put', 'greeting', 'hello')).code, 0),
    15_000,
    'a put',
  );
  assert.equal((await ctl('get', 'greeting')).stdout, 'greeting\nhello\n');
  const json = JSON.parse((await ctl('get', 'greeting', '-w', 'json')).stdout) as { count: string };
  assert.equal(json.count, '1');
  const members = await ctl('member', 'list', '-w', 'table');
  assert.equal(members.stdout.match(/\| started \|/g)?.length, 3, members.stdout);
  const status = await capstan('cluster', 'status', '--dir', dir);
  assert.equal(status.stdout.match(/ yes /g)?.length, 1, `one leader:\n${status.stdout}`);
  const snap = join(dir, 'backup.db');
  assert.equal((await ctl('snapshot', 'save', snap)).code, 0);
  assert.ok((await stat(snap)).size > 0);
  const bad = await ctl('get', 'greeting', '--rev', '99');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Error: etcdserver: mvcc: required revision is a future revision/);

  const down = await capstan('cluster', 'down', '--dir', dir);
  assert.equal(down.code, 0, down.stderr);
  for (const m of file.members) assert.ok(!isRunning(m.pid), `${m.name} stopped`);
  assert.match(await readFile(join(dir, 'm1.log'), 'utf8'), /capstan store stopped/);

  assert.equal((await capstan('cluster', 'up', '--dir', dir, '--detach')).code, 0);
  await eventually(
    async () => assert.equal((await ctl('get', 'greeting')).stdout, 'greeting\nhello\n'),
    15_000,
    'the value after down and up',
  );
});
