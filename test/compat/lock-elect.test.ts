// `etcdctl lock` and `etcdctl elect` build a mutex and an election on the
// client side from Lease, Txn, Range, Watch and DeleteRange; the same session
// against real etcd 3.4 and capstan must print the same (lease ids aside):
// the lock key and revision a command runs under, a waiter that gets the
// lock only once the holder lets go, a leader, an observer that sees the
// next leader. Skipped when etcd or etcdctl is not installed.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanEnv, findOnPath, run } from '../store/server/grpc/etcdctl.js';
import { startCapstanTarget, startEtcdTarget, type CompatTarget } from './targets.js';

const etcdBin = findOnPath('etcd');
const etcdctlBin = findOnPath('etcdctl');

/** A long-running etcdctl whose output is collected as it comes. */
class Background {
  out = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(endpoints: string, args: string[]) {
    this.child = spawn(etcdctlBin!, [`--endpoints=${endpoints}`, ...args], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  async waitFor(pattern: RegExp, what: string, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pattern.test(this.out)) {
      if (Date.now() > deadline) assert.fail(`etcdctl never printed ${what}; printed: ${this.out}`);
      await sleep(20);
    }
  }

  /** Ctrl-C: etcdctl unlocks or resigns, then exits. */
  async interrupt(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** Lease ids (16 hex digits after a slash) differ between runs; nothing else may. */
function normalize(text: string): string {
  return text.replace(/\/[0-9a-f]{13,16}\b/g, '/<lease>');
}

async function session(target: CompatTarget): Promise<string[]> {
  const endpoints = target
    .names()
    .map((n) => target.endpoint(n))
    .join(',');
  const ctl = async (...args: string[]): Promise<string> => {
    const r = await run(etcdctlBin!, [`--endpoints=${endpoints}`, ...args], cleanEnv());
    return `exit ${r.exitCode}\n${r.stdout}${r.stderr}`;
  };
  const transcript: string[] = [];
  const background: Background[] = [];
  try {
    await ctl('put', 'before', 'x');
    // A command run under the lock sees the lock's key and revision.
    transcript.push(
      await ctl('lock', 'L', '--', 'sh', '-c', 'echo "key=$ETCD_LOCK_KEY rev=$ETCD_LOCK_REV"'),
    );
    // A holder, then a waiter that runs only once the holder lets go.
    const holder = new Background(endpoints, ['lock', 'L']);
    background.push(holder);
    await holder.waitFor(/^L\//m, 'the lock key');
    transcript.push(`holder: ${holder.out.trim()}`);
    const waiter = new Background(endpoints, ['lock', 'L', 'echo', 'waiter got the lock']);
    background.push(waiter);
    await sleep(700);
    transcript.push(`waiter while held: ${JSON.stringify(waiter.out)}`);
    transcript.push(`holder interrupted: exit ${await holder.interrupt()}`);
    await waiter.waitFor(/waiter got the lock/, 'the waiter line');
    transcript.push(`waiter after: ${waiter.out.trim()}`);
    transcript.push(await ctl('get', 'L', '--prefix', '--keys-only'));

    // An election: a leader, an observer, and the next leader.
    const first = new Background(endpoints, ['elect', 'E', 'alpha']);
    background.push(first);
    await first.waitFor(/alpha/, 'the first proposal');
    transcript.push(`first: ${first.out.trim()}`);
    const observer = new Background(endpoints, ['elect', '-l', 'E']);
    background.push(observer);
    await observer.waitFor(/alpha/, 'the current leader');
    const second = new Background(endpoints, ['elect', 'E', 'beta']);
    background.push(second);
    await sleep(700);
    transcript.push(`second while first leads: ${JSON.stringify(second.out)}`);
    transcript.push(`first interrupted: exit ${await first.interrupt()}`);
    await second.waitFor(/beta/, 'the second proposal');
    await observer.waitFor(/beta/, 'the next leader');
    transcript.push(`second: ${second.out.trim()}`);
    transcript.push(`observer: ${observer.out.trim()}`);
    transcript.push(`second interrupted: exit ${await second.interrupt()}`);
    transcript.push(await ctl('get', 'E', '--prefix', '--keys-only'));
  } finally {
    for (const b of background) b.kill();
  }
  return transcript.map(normalize);
}

describe('etcdctl lock and elect against real etcd 3.4 and capstan', () => {
  test(
    'the same session prints the same',
    { skip: etcdBin === undefined || etcdctlBin === undefined ? 'etcd is not installed' : false },
    async () => {
      const o = { members: 3, maxRequestBytes: 1.5 * 1024 * 1024 };
      const etcd = await startEtcdTarget(etcdBin!, etcdctlBin!, o);
      let want: string[];
      try {
        want = await session(etcd);
      } finally {
        await etcd.close();
      }
      const capstan = await startCapstanTarget(o);
      try {
        const got = await session(capstan);
        if (process.env['SHOW']) console.log(got.join('\n---\n'));
        assert.deepEqual(got, want);
      } finally {
        await capstan.close();
      }
    },
  );
});
