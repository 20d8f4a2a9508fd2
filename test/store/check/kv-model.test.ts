// The key-value model: get/put/cas semantics, partitioning by key, how an
// operation reads in an explanation; then randomized histories that are
// linearizable by construction (and become illegal with one impossible read),
// and a performance sanity check on a simulator-sized history.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';

import { describeKvOperation, kvModel } from '../../../store/check/kv-model.js';
import type { KvOperation } from '../../../store/check/kv-model.js';
import { checkOperations } from '../../../store/check/linearizability.js';
import { SeededRandom } from '../../../store/raft/random.js';
import {
  cas,
  casOk,
  get,
  got,
  op,
  put,
  putOk,
  randomLinearizableHistory,
  timedOut,
} from './kv-history.js';
import type { RandomHistoryShape } from './kv-history.js';

describe('kvModel.step', () => {
  it('get observes the value, null when absent', () => {
    assert.deepEqual(kvModel.step(null, get('x'), got(null)), { ok: true, state: null });
    assert.deepEqual(kvModel.step('a', get('x'), got('a')), { ok: true, state: 'a' });
    assert.equal(kvModel.step('a', get('x'), got('b')).ok, false);
    assert.equal(kvModel.step(null, get('x'), got('null')).ok, false);
  });

  it('put replaces the value', () => {
    assert.deepEqual(kvModel.step('a', put('x', 'b'), putOk), { ok: true, state: 'b' });
  });

  it('cas swaps iff the current value equals the expected one (null: absent)', () => {
    assert.deepEqual(kvModel.step('a', cas('x', 'a', 'b'), casOk(true)), { ok: true, state: 'b' });
    assert.deepEqual(kvModel.step('a', cas('x', 'z', 'b'), casOk(false)), { ok: true, state: 'a' });
    assert.deepEqual(kvModel.step(null, cas('x', null, 'b'), casOk(true)), {
      ok: true,
      state: 'b',
    });
    assert.equal(kvModel.step('a', cas('x', null, 'b'), casOk(true)).ok, false);
    assert.equal(kvModel.step('a', cas('x', 'a', 'b'), casOk(false)).ok, false);
  });

  it('accepts any outcome when the output is unknown, with the state as if it took effect', () => {
    assert.deepEqual(kvModel.step('a', get('x'), undefined), { ok: true, state: 'a' });
    assert.deepEqual(kvModel.step('a', put('x', 'b'), undefined), { ok: true, state: 'b' });
    assert.deepEqual(kvModel.step('a', cas('x', 'a', 'b'), undefined), { ok: true, state: 'b' });
    assert.deepEqual(kvModel.step('a', cas('x', 'z', 'b'), undefined), { ok: true, state: 'a' });
  });

  it('refuses an output of another kind than the input (a recording bug)', () => {
    assert.throws(() => kvModel.step('a', get('x'), putOk), /a get on x recorded a put output/);
  });

  it('hashes absent apart from the string "null"', () => {
    assert.notEqual(kvModel.hash(null), kvModel.hash('null'));
  });
});

describe('kvModel with the checker: compare-and-set', () => {
  it('two concurrent cas from the same expected value cannot both succeed', () => {
    const setup = op(1, put('x', 'a'), putOk, 0, 1);
    const both = [
      setup,
      op(2, cas('x', 'a', 'b'), casOk(true), 2, 10),
      op(3, cas('x', 'a', 'c'), casOk(true), 2, 10),
    ];
    assert.equal(checkOperations(kvModel, both).outcome, 'illegal');
    const one = [setup, both[1]!, op(3, cas('x', 'a', 'c'), casOk(false), 2, 10)];
    assert.equal(checkOperations(kvModel, one).outcome, 'ok');
  });

  it('a failed cas must have seen a value other than the expected one', () => {
    const history = [
      op(1, put('x', 'a'), putOk, 0, 1),
      op(2, cas('x', 'a', 'b'), casOk(false), 2, 3),
    ];
    assert.equal(checkOperations(kvModel, history).outcome, 'illegal');
    // A timed-out put that landed first explains the failure.
    const explained = [...history, timedOut(3, put('x', 'c'), 1)];
    assert.equal(checkOperations(kvModel, explained).outcome, 'ok');
  });
});

describe('kvModel.partition', () => {
  it('groups operations by key, in order of first appearance', () => {
    const history = [
      op(1, put('b', '1'), putOk, 0, 1),
      op(2, get('a'), got(null), 0, 1),
      op(3, get('b'), got('1'), 2, 3),
    ];
    const partitions = kvModel.partition!(history);
    assert.deepEqual(partitions, [[history[0], history[2]], [history[1]]]);
  });

  it('leaves out gets whose output is unknown: they neither change nor observe anything', () => {
    const history = [op(1, put('a', '1'), putOk, 0, 1), timedOut(2, get('a'), 2)];
    assert.deepEqual(kvModel.partition!(history), [[history[0]]]);
  });

  it('reports a violation on one key with that key’s partition', () => {
    const history = [
      op(1, put('k0', 'a'), putOk, 0, 1),
      op(1, put('k1', 'a'), putOk, 0, 1),
      op(2, get('k0'), got('a'), 2, 3),
      op(2, get('k1'), got('stale'), 2, 3),
      op(3, put('k2', 'c'), putOk, 4, 5),
    ];
    const result = checkOperations(kvModel, history);
    assert.ok(result.outcome === 'illegal');
    assert.equal(result.partitionIndex, 1);
    assert.ok(result.operations.every((o) => o.input.key === 'k1'));
    assert.match(result.explanation, /get\(k1\) = 'stale'/);
  });
});

describe('describeKvOperation', () => {
  it('reads like a line of a trace', () => {
    const line = (o: KvOperation) => describeKvOperation(o);
    assert.equal(
      line(op(3, cas('k1', 'a', 'b'), casOk(true), 12, 40)),
      "client 3: cas(k1, 'a' -> 'b') = ok  [12, 40]",
    );
    assert.equal(
      line(op(3, cas('k1', null, 'b'), casOk(false), 1, 2)),
      "client 3: cas(k1, null -> 'b') = failed  [1, 2]",
    );
    assert.equal(line(op(1, get('k'), got(null), 0, 1)), 'client 1: get(k) = null  [0, 1]');
    assert.equal(line(op(1, get('k'), got("it's"), 0, 1)), "client 1: get(k) = 'it\\'s'  [0, 1]");
    assert.equal(line(timedOut(2, put('k', 'v'), 7)), "client 2: put(k, 'v') = unknown  [7, ∞]");
  });
});

// Randomized histories. Set CHECK_SEED to replay one seed.
const REPLAY_SEED = process.env['CHECK_SEED'];
const RANDOM_SEEDS = 200;
const RANDOM_SHAPE: RandomHistoryShape = {
  clients: 4,
  keys: 2,
  slots: 60,
  maxLatencyTicks: 25,
  unknownChance: 0.1,
};

function seeds(): number[] {
  if (REPLAY_SEED !== undefined) return [Number(REPLAY_SEED)];
  return Array.from({ length: RANDOM_SEEDS }, (_, i) => i + 1);
}

function replay(seed: number): string {
  return `seed=${seed}; replay: CHECK_SEED=${seed} node --import tsx --test test/store/check/kv-model.test.ts`;
}

describe('randomized histories', () => {
  it(`a sequential run with random intervals around each step is linearizable (${RANDOM_SEEDS} seeds)`, () => {
    for (const seed of seeds()) {
      const history = randomLinearizableHistory(new SeededRandom(seed), RANDOM_SHAPE);
      const result = checkOperations(kvModel, history);
      assert.equal(result.outcome, 'ok', `${replay(seed)}\n${JSON.stringify(result)}`);
    }
  });

  it(`one read corrupted to a value never written makes it illegal (${RANDOM_SEEDS} seeds)`, () => {
    for (const seed of seeds()) {
      const rng = new SeededRandom(seed);
      const history = randomLinearizableHistory(rng, RANDOM_SHAPE);
      const reads = history.flatMap((o, i) => (o.output?.kind === 'get' ? [i] : []));
      assert.ok(reads.length > 0, `${replay(seed)}: no read to corrupt`);
      const victim = rng.pick(reads);
      const corrupted = history.map((o, i) => (i === victim ? { ...o, output: got('never') } : o));
      const result = checkOperations(kvModel, corrupted);
      assert.ok(result.outcome === 'illegal', `${replay(seed)}: ${result.outcome}`);
      assert.ok(result.operations.includes(corrupted[victim]!), replay(seed));
    }
  });
});

describe('performance', () => {
  const PERF_SEED = 7;
  const PERF_SHAPE: RandomHistoryShape = {
    clients: 5,
    keys: 5,
    slots: 2_000,
    maxLatencyTicks: 40,
    unknownChance: 0.02,
  };

  it('checks ~2,000 operations on 5 keys from 5 concurrent clients quickly', (t) => {
    const history = randomLinearizableHistory(new SeededRandom(PERF_SEED), PERF_SHAPE);
    assert.ok(history.length > 1_500, `only ${history.length} operations`);
    const started = performance.now();
    const result = checkOperations(kvModel, history);
    const elapsedMs = performance.now() - started;
    assert.equal(result.outcome, 'ok');
    t.diagnostic(`${history.length} operations checked in ${elapsedMs.toFixed(1)} ms`);
  });
});
