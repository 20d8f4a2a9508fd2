// One recorded operation: invoke it on the recorder, run it on a client with
// the run's operation timeout, and complete it exactly once with its outcome
// (outcome.ts). Every workload's requests go through here.

import type { CallOptions, Client } from '../../client/index.js';
import { EtcdClientError } from '../../client/index.js';
import type { OpRecord } from '../types.js';
import type { Recorder } from '../workload.js';
import { outcomeOfError, type Effect } from './outcome.js';

/** What a request answered: the record's output and the header revision. */
export interface Answer<T extends Record<string, unknown> = Record<string, unknown>> {
  output: T;
  revision: bigint;
}

export type Performed<T extends Record<string, unknown>> =
  | { op: OpRecord; outcome: 'ok'; output: T; revision: number }
  | { op: OpRecord; outcome: 'fail' | 'unknown'; output: undefined; revision: undefined };

/**
 * The client's own deadline (opTimeoutMs) ends a request; this guard, a little later, ends the
 * wait for one that somehow outlives it, so a client never hangs a run.
 */
const guardSlackMs = 1_000;

class GuardTimeout extends Error {
  override name = 'GuardTimeout';
}

export interface PerformContext {
  recorder: Recorder;
  opTimeoutMs: number;
}

export async function perform<T extends Record<string, unknown>>(
  ctx: PerformContext,
  clientIndex: number,
  client: Client,
  input: Record<string, unknown>,
  effect: Effect,
  request: (o: CallOptions) => Promise<Answer<T>>,
): Promise<Performed<T>> {
  const op = ctx.recorder.invoke(clientIndex, input);
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new GuardTimeout(`no answer within ${ctx.opTimeoutMs + guardSlackMs} ms`)),
      ctx.opTimeoutMs + guardSlackMs,
    );
  });
  try {
    const answer = await Promise.race([request({ timeoutMs: ctx.opTimeoutMs }), guard]);
    const revision = Number(answer.revision);
    ctx.recorder.complete(op, 'ok', {
      output: answer.output,
      revision,
      member: client.activeEndpoint,
    });
    return { op, outcome: 'ok', output: answer.output, revision };
  } catch (err) {
    const known = err instanceof EtcdClientError || err instanceof GuardTimeout;
    const outcome = known ? outcomeOfError(err, effect) : 'unknown';
    ctx.recorder.complete(op, outcome, {
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      member: err instanceof EtcdClientError && err.endpoint ? err.endpoint : client.activeEndpoint,
    });
    // Anything but the client's typed errors is a bug here: recorded, then loud.
    if (!known) throw err;
    return { op, outcome, output: undefined, revision: undefined };
  } finally {
    clearTimeout(timer);
  }
}

/** Sleeps `ms`, or less if `signal` aborts; never rejects. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Retries a setup step until it is 'ok' (setup runs before any fault), up to `deadlineMs`. */
export async function untilOk<T extends Record<string, unknown>>(
  what: string,
  deadlineMs: number,
  attempt: () => Promise<Performed<T>>,
): Promise<Performed<T> & { outcome: 'ok' }> {
  for (;;) {
    const r = await attempt();
    if (r.outcome === 'ok') return r;
    if (Date.now() >= deadlineMs) {
      throw new Error(`chaos workload: ${what} did not succeed: ${r.op.error ?? r.outcome}`);
    }
    await new Promise((resolve) => setTimeout(resolve, setupRetryMs));
  }
}

const setupRetryMs = 200;
