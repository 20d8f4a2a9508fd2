// The etcdctl watch session: `etcdctl watch` in its forms (a key, a prefix,
// a range, --rev into history, --prev-kv, JSON output, interactive -i,
// live events, a compacted revision and exactly the compacted one) against
// a fresh single-member target. A watch never ends by itself: each runs
// until its output has had time to arrive (plus any writes made while it
// runs), then is stopped with SIGINT, as a user at a terminal would; it is
// recorded like any other etcdctl command (stopped watches as exit code 130).

import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { cleanEnv } from '../store/server/grpc/etcdctl.js';
import { ctl, ctlWith, runSession, type CtlRecord, type Session, type Step } from './session.js';

export interface WatchStep {
  readonly kind: 'watch';
  readonly args: readonly string[];
  readonly stdin?: string;
  /** Writes made while the watch runs (after it has had time to start). */
  readonly during?: readonly (readonly string[])[];
}

export type WatchSessionStep = Step | WatchStep;

const watch = (...args: string[]): WatchStep => ({ kind: 'watch', args: ['watch', ...args] });

/** How long a watch may take to print what it has (history replays are immediate). */
const settleMs = 1000;
/** The exit code a shell reports for a program stopped by SIGINT. */
const stoppedExitCode = 130;

export function watchSession(): WatchSessionStep[] {
  return [
    ctl('put', 'foo', 'v1'), // 2
    ctl('put', 'foo', 'v2'), // 3
    ctl('put', 'foo/a', 'x'), // 4
    ctl('del', 'foo'), // 5
    ctlWith({ stdin: '\nput foo/b 1\nput foo/c 2\nput bar 1\n\n\n' }, 'txn'), // 6: one txn
    ctl('put', 'bar', '2'), // 7
    watch('foo', '--rev=1'),
    watch('foo', '--prefix', '--rev=1'),
    watch('foo', '--prefix', '--rev=1', '--prev-kv'),
    watch('foo', 'foo/b', '--rev=3'),
    watch('foo', '--prefix', '--rev=6', '--write-out=json'),
    watch('--prefix', 'foo/', '--rev=1', '--write-out=fields'),
    // One watch per -i session: etcd sends the catch-up of several watchers in map order.
    { kind: 'watch', args: ['watch', '-i'], stdin: 'watch bar --rev=6 --prev-kv\n' },
    {
      ...watch('baz', '--prefix', '--prev-kv'),
      during: [
        ['put', 'baz/1', 'a'],
        ['put', 'baz/1', 'b'],
        ['del', 'baz/1'],
        ['put', 'other', 'x'],
      ],
    },
    ctl('compact', '6'),
    watch('foo', '--prefix', '--rev=2'),
    watch('foo', '--prefix', '--rev=6'),
    watch('bar', '--rev=6', '--prev-kv'),
  ];
}

function etcdctlArgs(s: Session, args: readonly string[]): string[] {
  return [`--endpoints=${s.endpoint('m1')}`, '--dial-timeout=5s', '--command-timeout=10s', ...args];
}

/** Runs a watch until its output has settled (or it ends by itself), then stops it. */
async function runWatch(s: Session, step: WatchStep): Promise<CtlRecord> {
  const child = spawn(s.etcdctlBin, etcdctlArgs(s, step.args), {
    env: cleanEnv({ ETCDCTL_API: '3' }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code) => resolve(code ?? stoppedExitCode)),
  );
  if (step.stdin !== undefined) child.stdin.write(step.stdin);
  const ended = await Promise.race([exited.then(() => true), delay(settleMs).then(() => false)]);
  if (!ended && step.during !== undefined) {
    for (const args of step.during) await runSession(s, [ctl(...args)]);
    await delay(settleMs);
  }
  child.kill('SIGINT');
  const exitCode = await exited;
  return {
    kind: 'ctl',
    args: step.args,
    rows: undefined,
    result: { exitCode, stdout, stderr },
    ...(step.stdin === undefined
      ? {}
      : { stdinSummary: step.stdin.trim().replaceAll('\n', ' ⏎ ') }),
  };
}

export async function runWatchSession(
  s: Session,
  steps: readonly WatchSessionStep[],
): Promise<CtlRecord[]> {
  const out: CtlRecord[] = [];
  for (const step of steps) {
    if (step.kind === 'watch') out.push(await runWatch(s, step));
    else out.push(...((await runSession(s, [step])) as CtlRecord[]));
  }
  return out;
}
