// Builders for key-value histories in the checker's tests: terse constructors
// for hand-written cases, and a seeded generator of histories that are
// linearizable by construction.

import type { KvInput, KvOperation, KvOutput } from '../../../store/check/kv-model.js';
import type { SeededRandom } from '../../../store/raft/random.js';

export const get = (key: string): KvInput => ({ kind: 'get', key });
export const put = (key: string, value: string): KvInput => ({ kind: 'put', key, value });
export const cas = (key: string, expected: string | null, value: string): KvInput => ({
  kind: 'cas',
  key,
  expected,
  value,
});

export const got = (value: string | null): KvOutput => ({ kind: 'get', value });
export const putOk: KvOutput = { kind: 'put' };
export const casOk = (ok: boolean): KvOutput => ({ kind: 'cas', ok });

/** An operation with a known outcome over [call, ret]. */
export function op(
  clientId: number,
  input: KvInput,
  output: KvOutput,
  call: number,
  ret: number,
): KvOperation {
  return { clientId, input, output, call, return: ret };
}

/** An operation whose client timed out: outcome and return unknown. */
export function timedOut(clientId: number, input: KvInput, call: number): KvOperation {
  return { clientId, input, output: undefined, call, return: Infinity };
}

export interface RandomHistoryShape {
  clients: number;
  keys: number;
  /** Linearization points are this many ticks apart, one operation per point at most. */
  slots: number;
  /** How far, in ticks, a call may precede and a return follow the linearization point. */
  maxLatencyTicks: number;
  /** Probability that an operation's client times out (output and return become unknown). */
  unknownChance: number;
}

const SLOT_TICKS = 10;
const GET_CHANCE = 0.4;
const PUT_CHANCE = 0.35; // the rest are cas
const CAS_EXPECTS_CURRENT_CHANCE = 0.5;

/**
 * A history that is linearizable by construction: a sequential run of the key-value store, one
 * operation per slot, each given a [call, return] interval around its slot. Clients issue one
 * operation at a time; a client that times out moves on, possibly before its operation lands.
 * Written values are unique (`v<slot>`).
 */
export function randomLinearizableHistory(
  rng: SeededRandom,
  shape: RandomHistoryShape,
): KvOperation[] {
  const values = new Map<string, string | null>();
  const written = new Map<string, string[]>();
  const busyUntil: number[] = new Array<number>(shape.clients).fill(-1);
  const history: KvOperation[] = [];
  for (let slot = 0; slot < shape.slots; slot++) {
    const at = slot * SLOT_TICKS;
    const free = busyUntil.flatMap((until, client) => (until < at ? [client] : []));
    if (free.length === 0) continue;
    const clientId = rng.pick(free);
    const key = `k${rng.int(shape.keys)}`;
    const current = values.get(key) ?? null;
    const writtenToKey = written.get(key) ?? [];
    const value = `v${slot}`;
    const roll = rng.float();
    let input: KvInput;
    let output: KvOutput;
    let takesEffect = true;
    if (roll < GET_CHANCE) {
      input = get(key);
      output = got(current);
      takesEffect = false;
    } else if (roll < GET_CHANCE + PUT_CHANCE) {
      input = put(key, value);
      output = putOk;
    } else {
      const expected = rng.chance(CAS_EXPECTS_CURRENT_CHANCE)
        ? current
        : rng.pick([null, ...writtenToKey]);
      input = cas(key, expected, value);
      output = casOk(expected === current);
      takesEffect = expected === current;
    }
    if (takesEffect) {
      values.set(key, value);
      writtenToKey.push(value);
      written.set(key, writtenToKey);
    }
    const call = rng.range(Math.max(busyUntil[clientId]! + 1, at - shape.maxLatencyTicks), at);
    if (rng.chance(shape.unknownChance)) {
      history.push(timedOut(clientId, input, call));
      busyUntil[clientId] = call + rng.range(0, 2 * shape.maxLatencyTicks);
    } else {
      const ret = at + rng.range(0, shape.maxLatencyTicks);
      history.push(op(clientId, input, output, call, ret));
      busyUntil[clientId] = ret;
    }
  }
  return history;
}
