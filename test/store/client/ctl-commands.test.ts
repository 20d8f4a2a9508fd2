// capstan ctl's watch, lease, lock and elect commands print what etcdctl
// 3.4 prints: both run against the same real etcd and their outputs are
// compared (lease ids, which differ, are the only thing normalized). The
// command functions run in-process; one test runs `capstan ctl` as a
// process to check the wiring: Ctrl-C ends a watch, lock runs a command.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Client } from '../../../store/client/index.js';
import type { CtlError } from '../../../store/client/ctl/commands.js';
import { type StoreCtx } from '../../../store/client/ctl/commands.js';
import { elect, lock } from '../../../store/client/ctl/concurrency-commands.js';
import { lease, leaseHex } from '../../../store/client/ctl/lease-commands.js';
import { watch } from '../../../store/client/ctl/watch-command.js';
import { cleanEnv, etcdctl, type RunResult } from '../server/grpc/etcdctl.js';
import {
  etcdctlBin,
  skipReason,
  spawnEtcdctl,
  startTarget,
  waitFor,
  type ClientTarget,
  type RunningCtl,
  type TargetKind,
  clientTestTarget,
} from './fixtures.js';

const target: TargetKind = clientTestTarget();
const root = fileURLToPath(new URL('../../..', import.meta.url));

interface TestCtx extends StoreCtx {
  printed: string[];
  warned: string[];
  stop(): void;
}

describe(`capstan ctl against ${target}, next to etcdctl`, { skip: skipReason(target) }, () => {
  let t: ClientTarget;
  let c: Client;
  const ctls: RunningCtl[] = [];
  before(async () => {
    t = await startTarget(target, { members: 1 });
    c = t.client();
  });
  after(async () => {
    await Promise.all(ctls.map((x) => x.interrupt()));
    await t?.close();
  });

  const ctx = (out: StoreCtx['out'] = 'simple'): TestCtx => {
    const abort = new AbortController();
    const printed: string[] = [];
    const warned: string[] = [];
    return {
      client: undefined as never, // these commands use the typed client only
      store: c,
      endpoints: t.endpoints(),
      out,
      print: (s) => printed.push(s),
      warn: (s) => warned.push(s),
      signal: abort.signal,
      printed,
      warned,
      stop: () => abort.abort(),
    };
  };
  const ctl = (...args: string[]): Promise<RunResult> =>
    etcdctl(etcdctlBin!, t.endpoints()[0]!, args);
  const ours = async (args: string[], o = {}): Promise<string> => lease(ctx(), args, o);

  test('lease grant, timetolive, list, keep-alive --once, revoke', async () => {
    const granted = await ours(['grant', '100']);
    const m = /^lease ([0-9a-f]{16}) granted with TTL\(100s\)$/.exec(granted);
    assert.ok(m, granted);
    const id = m[1]!;
    await c.put('ctl/k1', 'v', { lease: BigInt(`0x${id}`) });
    await c.put('ctl/k2', 'v', { lease: BigInt(`0x${id}`) });
    const remaining = (s: string) => s.replace(/remaining\(\d+s\)/, 'remaining(Ns)');
    assert.equal(
      remaining(await ours(['timetolive', id])),
      remaining((await ctl('lease', 'timetolive', id)).stdout.trim()),
    );
    assert.equal(
      remaining(await ours(['timetolive', id], { keys: true })),
      remaining((await ctl('lease', 'timetolive', '--keys', id)).stdout.trim()),
    );
    assert.equal(await ours(['list']), (await ctl('lease', 'list')).stdout.trim());
    assert.equal(
      await ours(['keep-alive', id], { once: true }),
      (await ctl('lease', 'keep-alive', '--once', id)).stdout.trim(),
    );
    assert.equal(await ours(['revoke', id]), `lease ${id} revoked`);
    assert.equal(
      await ours(['timetolive', id]),
      (await ctl('lease', 'timetolive', id)).stdout.trim(),
    );
    assert.equal(await ours(['timetolive', '1234']), 'lease 0000000000001234 already expired');

    // Failures: the same message and exit code as etcdctl.
    const once = await ctl('lease', 'keep-alive', '--once', id);
    await assert.rejects(ours(['keep-alive', id], { once: true }), (e: CtlError) => {
      assert.equal(`Error: ${e.message}`, once.stderr.trim());
      assert.equal(e.exitCode, once.exitCode);
      return true;
    });
    const revoke = await ctl('lease', 'revoke', id);
    await assert.rejects(ours(['revoke', id]), (e: CtlError) => {
      assert.equal(`Error: ${e.message}`, revoke.stderr.trim().split('\n').pop());
      assert.equal(e.exitCode, revoke.exitCode);
      return true;
    });
  });

  test('lease keep-alive prints each renewal, then "expired or revoked." when the lease goes', async () => {
    const g = await c.leases.grant(3);
    const x = ctx();
    const running = lease(x, ['keep-alive', leaseHex(g.id)], {});
    await waitFor('a renewal', () => (x.printed.length > 0 ? true : undefined));
    await c.leases.revoke(g.id);
    assert.equal(await running, `lease ${leaseHex(g.id)} expired or revoked.`);
    assert.equal(x.printed[0], `lease ${leaseHex(g.id)} keepalived with TTL(3)`);
  });

  test('watch prints events as etcdctl watch does; a compacted start ends it with exit code 5', async () => {
    const x = ctx();
    const running = watch(x, ['cw/'], { prefix: true, prevKv: true });
    const theirs = spawnEtcdctl(t.endpoints(), ['watch', 'cw/', '--prefix', '--prev-kv']);
    ctls.push(theirs);
    // Both are watching once a first put shows on both.
    await waitFor('both watching', async () => {
      await c.put('cw/ready', '1');
      return x.printed.length > 0 && theirs.stdout().length > 0 ? true : undefined;
    });
    await c.put('cw/a', '1');
    await c.put('cw/a', '2');
    await c.delete('cw/a');
    await c.put('cw/end', 'x');
    const done = (s: string) => s.includes('cw/end\nx');
    await waitFor('the last event', () =>
      done(x.printed.join('\n')) && done(theirs.stdout()) ? true : undefined,
    );
    x.stop();
    assert.equal(await running, '');
    await theirs.interrupt(); // etcdctl watch simply dies of the signal
    const strip = (s: string) => s.slice(s.indexOf('PUT\ncw/a'));
    assert.equal(strip(`${x.printed.join('\n')}\n`), strip(theirs.stdout()));

    const r = await c.put('cw/old', '1');
    await c.put('cw/old', '2');
    await c.compact(r.header.revision + 1n);
    const y = ctx();
    const theirsCompacted = await ctl('watch', 'cw/old', '--rev', String(r.header.revision));
    await assert.rejects(
      watch(y, ['cw/old'], { rev: String(r.header.revision) }),
      (e: CtlError) => {
        assert.equal(e.exitCode, theirsCompacted.exitCode);
        assert.equal(`${y.warned.join('\n')}\nError: ${e.message}`, theirsCompacted.stderr.trim());
        return true;
      },
    );
  });

  test('lock and elect hold until interrupted and print the key as etcdctl does', async () => {
    const x = ctx();
    const holding = lock(x, ['ctl-lock'], {});
    await waitFor('the lock', () => (x.printed.length > 0 ? true : undefined));
    const [key, value] = x.printed[0]!.split('\n');
    assert.match(key!, /^ctl-lock\/[0-9a-f]+$/);
    assert.equal(value, '');
    const waiter = spawnEtcdctl(t.endpoints(), ['lock', 'ctl-lock', 'echo', 'etcdctl got it']);
    ctls.push(waiter);
    await waitFor('etcdctl queued', async () =>
      (await c.get('ctl-lock/', { prefix: true, countOnly: true })).count === 2n ? true : undefined,
    );
    x.stop();
    await holding;
    assert.equal(await waiter.exited, 0);
    assert.equal(waiter.stdout(), 'etcdctl got it\n');

    const listener = spawnEtcdctl(t.endpoints(), ['elect', '-l', 'ctl-elect']);
    ctls.push(listener);
    const e = ctx();
    const leading = elect(e, ['ctl-elect', 'our-proposal'], {});
    await waitFor('leadership', () => (e.printed.length > 0 ? true : undefined));
    await waitFor('etcdctl to observe us', () =>
      listener.stdout().includes('our-proposal') ? true : undefined,
    );
    assert.equal(`${e.printed[0]}\n`, listener.stdout());
    e.stop();
    await leading;
    assert.equal(
      (await c.get('ctl-elect/', { prefix: true, countOnly: true })).count,
      0n,
      'resigned',
    );
    const observed = ctx();
    const observing = elect(observed, ['ctl-elect'], { listen: true });
    await c.put('ctl-elect/1', 'someone');
    await waitFor('our observer', () => (observed.printed.length > 0 ? true : undefined));
    assert.equal(observed.printed[0], 'ctl-elect/1\nsomeone');
    observed.stop();
    await observing;
  });

  test('capstan ctl as a process: lock runs a command with the lock in its environment; watch ends on Ctrl-C', async () => {
    const capstan = [
      process.execPath,
      '--import',
      'tsx',
      join(root, 'cmd', 'capstan.ts'),
      'ctl',
      `--endpoints=${t.endpoints().join(',')}`,
    ];
    const env = cleanEnv();
    const run = promisify(execFile);
    const locked = await run(
      capstan[0]!,
      [
        ...capstan.slice(1),
        'lock',
        'proc-lock',
        '--',
        'sh',
        '-c',
        'echo "$ETCD_LOCK_KEY $ETCD_LOCK_REV"',
      ],
      { env },
    );
    assert.match(locked.stdout, /^proc-lock\/[0-9a-f]+ \d+\n$/);

    const child = spawn(capstan[0]!, [...capstan.slice(1), 'watch', 'proc-watch'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    try {
      await waitFor(
        'the watch to print',
        async () => {
          await c.put('proc-watch', 'v');
          return out.includes('PUT\nproc-watch\nv\n') ? true : undefined;
        },
        15_000,
        200,
      );
      child.kill('SIGINT');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
