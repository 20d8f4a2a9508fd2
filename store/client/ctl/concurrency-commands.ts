// `capstan ctl lock NAME [-- COMMAND ARGS…] [--ttl S]` and
// `capstan ctl elect NAME [PROPOSAL] [-l]`, as etcdctl 3.4 runs them, on
// the client's lock and election recipes (so they queue with etcdctl's own).
//
// lock: with a command, runs it while holding the lock (with ETCD_LOCK_KEY
// and ETCD_LOCK_REV in its environment), then unlocks; without one, prints
// the lock key and holds the lock until interrupted.
// elect: campaigns with the proposal and, once leader, prints the leader key
// and value and leads until interrupted (then resigns); with -l, prints the
// leader's key and value at every change.

import { spawn } from 'node:child_process';
import { AbortedError } from '../errors.js';
import type { Session } from '../session.js';
import { CtlError, UsageError, exitCodes, type StoreCtx } from './commands.js';

/** etcdctl lock's default --ttl. */
export const lockSessionTtlSecondsDefault = 10;

function ttlFlag(ttl: string | undefined, fallback: number): number {
  if (ttl === undefined) return fallback;
  if (!/^\d+$/.test(ttl) || Number(ttl) <= 0)
    throw new UsageError('--ttl must be a positive number of seconds');
  return Number(ttl);
}

/** Resolves when interrupted; rejects with "session expired" when the session's lease is lost first. */
function holdUntilInterrupted(ctx: StoreCtx, session: Session, lostMessage: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (ctx.signal.aborted) return resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    session.done.then(
      () => {},
      () => reject(new CtlError(lostMessage, exitCodes.error)),
    );
  });
}

function runCommand(command: string[], env: Record<string, string>): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      stdio: 'inherit',
      env: { ...env, ...process.env },
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 0 : 1)));
  });
}

export async function lock(ctx: StoreCtx, args: string[], o: { ttl?: string }): Promise<string> {
  const [name, ...command] = args;
  if (name === undefined) throw new UsageError('lock needs a lock name');
  const session = await ctx.store.session({
    ttlSeconds: ttlFlag(o.ttl, lockSessionTtlSecondsDefault),
  });
  try {
    let held;
    try {
      held = await ctx.store.lock(name, { session, signal: ctx.signal });
    } catch (e) {
      if (e instanceof AbortedError) throw new CtlError('context canceled', exitCodes.error);
      throw e;
    }
    if (command.length > 0) {
      const code = await runCommand(command, {
        ETCD_LOCK_KEY: held.key.toString(),
        ETCD_LOCK_REV: held.header.revision.toString(),
      }).finally(() => held.unlock());
      if (code !== 0) throw new CtlError(`exit status ${code}`, exitCodes.error);
      return '';
    }
    const kv = (await ctx.store.get(held.key)).kvs[0];
    if (kv === undefined) throw new CtlError('lock lost on init', exitCodes.error);
    ctx.print(`${kv.key.toString()}\n${kv.value.toString()}`);
    await holdUntilInterrupted(ctx, session, 'session expired');
    await held.unlock();
    return '';
  } finally {
    await session.close();
  }
}

export async function elect(
  ctx: StoreCtx,
  args: string[],
  o: { listen?: boolean },
): Promise<string> {
  const [name, proposal] = args;
  if (name === undefined) throw new UsageError('elect needs an election name');
  const election = ctx.store.election(name);
  if (o.listen) {
    const observer = election.observe();
    const stop = (): void => observer.cancel();
    ctx.signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const kv of observer) ctx.print(`${kv.key.toString()}\n${kv.value.toString()}`);
      return '';
    } finally {
      ctx.signal.removeEventListener('abort', stop);
    }
  }
  if (proposal === undefined) throw new UsageError('no proposal argument but -l not set');
  const session = await ctx.store.session();
  try {
    const e = ctx.store.election(name, { session });
    try {
      await e.campaign(proposal, { signal: ctx.signal });
    } catch (err) {
      if (err instanceof AbortedError) throw new CtlError('context canceled', exitCodes.error);
      throw err;
    }
    const kv = (await ctx.store.get(e.key!)).kvs[0];
    if (kv !== undefined) ctx.print(`${kv.key.toString()}\n${kv.value.toString()}`);
    await holdUntilInterrupted(ctx, session, 'elect: session expired');
    await e.resign();
    return '';
  } finally {
    await session.close();
  }
}
