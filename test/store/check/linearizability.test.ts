// The generic checker's semantics (real-time order, unknown outcomes,
// partitions, budgets), stated with the key-value model, and checked against
// a brute-force enumeration of every order on small random histories.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { HistoryError } from '../../../store/check/errors.js';
import { kvModel } from '../../../store/check/kv-model.js';
import type { KvInput, KvOperation, KvOutput } from '../../../store/check/kv-model.js';
import { checkOperations } from '../../../store/check/linearizability.js';
import type { Model, Operation } from '../../../store/check/linearizability.js';
import { SeededRandom } from '../../../store/raft/random.js';
import { cas, casOk, get, got, op, put, putOk, timedOut } from './kv-history.js';

/** The key-value model without partitioning: every operation in one search. */
const singlePartitionKv: Model<string | null, KvInput, KvOutput> = {
  init: kvModel.init,
  step: kvModel.step,
  hash: kvModel.hash,
};

function outcomeOf(history: KvOperation[]): string {
  return checkOperations(kvModel, history).outcome;
}

describe('checkOperations: real-time order', () => {
  it('accepts an empty history', () => {
    assert.equal(outcomeOf([]), 'ok');
  });

  it('accepts a sequential history', () => {
    const history = [
      op(1, put('x', 'a'), putOk, 0, 1),
      op(2, get('x'), got('a'), 2, 3),
      op(1, cas('x', 'a', 'b'), casOk(true), 4, 5),
      op(2, get('x'), got('b'), 6, 7),
    ];
    assert.equal(outcomeOf(history), 'ok');
  });

  it('accepts a read of the initial absent value', () => {
    assert.equal(outcomeOf([op(1, get('x'), got(null), 0, 1)]), 'ok');
  });

  it('rejects a read of a value never written', () => {
    const history = [op(1, put('x', 'a'), putOk, 0, 1), op(2, get('x'), got('zzz'), 2, 3)];
    assert.equal(outcomeOf(history), 'illegal');
  });

  it('rejects a stale read after a completed write', () => {
    const history = [
      op(1, put('x', 'a'), putOk, 0, 1),
      op(1, put('x', 'b'), putOk, 2, 3),
      op(2, get('x'), got('a'), 4, 5),
    ];
    assert.equal(outcomeOf(history), 'illegal');
  });

  it('accepts a read concurrent with a write seeing either the old or the new value', () => {
    const write = op(1, put('x', 'b'), putOk, 10, 20);
    const before = op(1, put('x', 'a'), putOk, 0, 1);
    assert.equal(outcomeOf([before, write, op(2, get('x'), got('a'), 12, 15)]), 'ok');
    assert.equal(outcomeOf([before, write, op(2, get('x'), got('b'), 12, 15)]), 'ok');
  });

  it('accepts two concurrent writes with later reads seeing them in either order', () => {
    for (const last of ['a', 'b']) {
      const history = [
        op(1, put('x', 'a'), putOk, 0, 10),
        op(2, put('x', 'b'), putOk, 0, 10),
        op(3, get('x'), got(last), 11, 12),
        op(4, get('x'), got(last), 13, 14),
      ];
      assert.equal(outcomeOf(history), 'ok', `last write ${last}`);
    }
  });

  it('rejects reads that see w1, then w2, then w1 again when w1 and w2 are concurrent', () => {
    const history = [
      op(1, put('x', 'w1'), putOk, 0, 100),
      op(2, put('x', 'w2'), putOk, 0, 100),
      op(3, get('x'), got('w1'), 10, 20),
      op(3, get('x'), got('w2'), 30, 40),
      op(3, get('x'), got('w1'), 50, 60),
    ];
    assert.equal(outcomeOf(history), 'illegal');
  });

  it('treats a return and a call at the same instant as concurrent', () => {
    // The read is called at the tick the write returns: either order is possible.
    const history = [
      op(1, put('x', 'a'), putOk, 0, 1),
      op(1, put('x', 'b'), putOk, 2, 5),
      op(2, get('x'), got('a'), 5, 6),
    ];
    assert.equal(outcomeOf(history), 'ok');
    // One tick later the write has completed before the read began.
    const later = history.map((o) => (o.clientId === 2 ? { ...o, call: 6, return: 7 } : o));
    assert.equal(outcomeOf(later), 'illegal');
  });

  it('accepts operations whose call and return are the same instant', () => {
    const history = [op(1, put('x', 'a'), putOk, 3, 3), op(2, get('x'), got('a'), 3, 3)];
    assert.equal(outcomeOf(history), 'ok');
  });

  it('handles long histories without recursion', () => {
    const history: KvOperation[] = [];
    for (let i = 0; i < 20_000; i++) {
      history.push(op(i % 3, put('x', `v${i}`), putOk, 2 * i, 2 * i + 1));
    }
    history.push(op(9, get('x'), got('v19999'), 40_000, 40_001));
    assert.equal(checkOperations(singlePartitionKv, history).outcome, 'ok');
  });
});

describe('checkOperations: operations with unknown outcome', () => {
  it('accepts a timed-out put that later becomes visible', () => {
    const history = [
      op(1, put('x', 'a'), putOk, 0, 1),
      timedOut(2, put('x', 'b'), 2),
      op(3, get('x'), got('a'), 3, 4),
      op(3, get('x'), got('b'), 50, 51),
    ];
    assert.equal(outcomeOf(history), 'ok');
  });

  it('accepts a timed-out put that is never seen', () => {
    const history = [
      op(1, put('x', 'a'), putOk, 0, 1),
      timedOut(2, put('x', 'b'), 2),
      op(3, get('x'), got('a'), 3, 4),
      op(3, get('x'), got('a'), 50, 51),
    ];
    assert.equal(outcomeOf(history), 'ok');
  });

  it('rejects an unknown put whose value is seen before its call', () => {
    const history = [op(3, get('x'), got('b'), 0, 1), timedOut(2, put('x', 'b'), 2)];
    assert.equal(outcomeOf(history), 'illegal');
  });

  it('rejects a timed-out put seen, then unseen, then seen again', () => {
    // Once its effect is visible it cannot be undone; only another write could hide it.
    const history = [
      op(1, put('x', 'a'), putOk, 0, 1),
      timedOut(2, put('x', 'b'), 2),
      op(3, get('x'), got('b'), 10, 11),
      op(3, get('x'), got('a'), 20, 21),
    ];
    assert.equal(outcomeOf(history), 'illegal');
  });

  it('accepts a history in which only unknown operations remain after the observed ones', () => {
    const history = [
      op(1, put('x', 'a'), putOk, 0, 1),
      timedOut(2, put('x', 'b'), 2),
      timedOut(3, cas('x', 'zzz', 'c'), 3),
      timedOut(4, put('x', 'd'), 4),
    ];
    assert.equal(outcomeOf(history), 'ok');
    assert.equal(outcomeOf(history.filter((o) => o.return === Infinity)), 'ok');
  });

  it('requires an operation with unknown output but a known return to take effect before it', () => {
    // The client learnt the request was done, but not its result: the put happened by tick 3.
    const unknownOutput: KvOperation = { ...timedOut(2, put('x', 'b'), 2), return: 3 };
    const history = [op(1, put('x', 'a'), putOk, 0, 1), unknownOutput];
    assert.equal(outcomeOf([...history, op(3, get('x'), got('b'), 4, 5)]), 'ok');
    assert.equal(outcomeOf([...history, op(3, get('x'), got('a'), 4, 5)]), 'illegal');
  });
});

describe('checkOperations: results', () => {
  it('reports a violation with its partition, its operations sorted by call, and why', () => {
    const history = [
      op(1, put('k1', 'a'), putOk, 0, 1),
      op(2, get('k2'), got(null), 5, 6),
      op(1, put('k2', 'b'), putOk, 2, 3),
      op(2, get('k1'), got('a'), 4, 5),
    ];
    const result = checkOperations(kvModel, history);
    assert.equal(result.outcome, 'illegal');
    assert.ok(result.outcome === 'illegal');
    assert.equal(result.partitionIndex, 1);
    assert.deepEqual(
      result.operations.map((o) => [o.input.key, o.call]),
      [
        ['k2', 2],
        ['k2', 5],
      ],
    );
    assert.match(result.explanation, /partition 1: no linearization of its 2 operations exists/);
    assert.match(result.explanation, /#0 client 1: put\(k2, 'b'\) = ok {2}\[2, 3\]/);
    assert.match(result.explanation, /state after it: "b"/);
    assert.match(
      result.explanation,
      /may come next[^\n]*\n {2}#1 client 2: get\(k2\) = null {2}\[5, 6\] {2}<- rejected in this state/,
    );
  });

  it('checks a model without a partition function as one partition', () => {
    const history = [op(1, put('k1', 'a'), putOk, 0, 1), op(2, get('k1'), got('b'), 2, 3)];
    const result = checkOperations(singlePartitionKv, history);
    assert.ok(result.outcome === 'illegal');
    assert.equal(result.partitionIndex, 0);
    // Without describeOperation the explanation falls back to JSON.
    assert.match(result.explanation, /client 2: \{"kind":"get","key":"k1"\} = \{"kind":"get"/);
  });

  it('answers unknown when the search step budget runs out', () => {
    const history = [
      op(1, put('x', 'a'), putOk, 0, 10),
      op(2, put('x', 'b'), putOk, 0, 10),
      op(3, get('x'), got('b'), 11, 12),
    ];
    const result = checkOperations(kvModel, history, { maxSearchSteps: 2 });
    assert.ok(result.outcome === 'unknown');
    assert.match(result.reason, /maxSearchSteps = 2/);
    assert.equal(checkOperations(kvModel, history, { maxSearchSteps: 100 }).outcome, 'ok');
    const hard = checkOperations(counterModel, hardCounterHistory(), { maxSearchSteps: 100_000 });
    assert.equal(hard.outcome, 'unknown');
  });

  it('answers unknown when the deadline passes', () => {
    const history = hardCounterHistory();
    const result = checkOperations(counterModel, history, {
      timeoutMs: 20,
      maxSearchSteps: Number.MAX_SAFE_INTEGER,
    });
    assert.ok(result.outcome === 'unknown');
    assert.match(result.reason, /deadline passed \(timeoutMs = 20\)/);
  });

  it('refuses malformed operations and options', () => {
    const backwards = op(1, put('x', 'a'), putOk, 5, 4);
    assert.throws(() => checkOperations(kvModel, [backwards]), HistoryError);
    const noCall = op(1, put('x', 'a'), putOk, NaN, 4);
    assert.throws(() => checkOperations(kvModel, [noCall]), /call time must be a finite number/);
    assert.throws(() => checkOperations(kvModel, [], { maxSearchSteps: 0 }), HistoryError);
    assert.throws(() => checkOperations(kvModel, [], { timeoutMs: -1 }), HistoryError);
  });
});

describe('checkOperations: many pending timed-out writes', () => {
  // Exact-match memoization keeps apart every subset of the pending timed-out writes that the
  // search has placed; subsumption (memo-cache.ts) must make these cases polynomial.
  const PENDING_WRITES = 60;
  const STEP_BUDGET = 200_000;

  it('refutes an impossible read among many concurrent timed-out writes', () => {
    const history: KvOperation[] = [];
    for (let i = 0; i < PENDING_WRITES; i++) history.push(timedOut(i, put('x', `v${i}`), 0));
    history.push(op(99, get('x'), got('never'), 1, 2));
    const result = checkOperations(kvModel, history, { maxSearchSteps: STEP_BUDGET });
    assert.equal(result.outcome, 'illegal');
  });

  it('keeps apart configurations that spent different timed-out operations', () => {
    // Both timed-out writes can make the first read see 'b', but only the cas can go first: the
    // put is needed again after 'a' is written. Reaching state 'b' having spent the put must not
    // stand in for reaching it having spent the cas.
    const history = [
      timedOut(1, put('x', 'b'), 0),
      timedOut(2, cas('x', null, 'b'), 0),
      op(3, get('x'), got('b'), 1, 2),
      op(3, put('x', 'a'), putOk, 3, 4),
      op(3, get('x'), got('b'), 5, 6),
    ];
    assert.equal(outcomeOf(history), 'ok');
  });

  it('finds the one timed-out write a late read needs among many', () => {
    const history: KvOperation[] = [op(98, put('x', 'a'), putOk, 0, 1)];
    for (let i = 0; i < PENDING_WRITES; i++) history.push(timedOut(i, put('x', `v${i}`), 2 + i));
    history.push(op(99, get('x'), got('a'), 3, 4));
    history.push(op(99, get('x'), got(`v${PENDING_WRITES - 1}`), 100, 101));
    history.push(op(99, cas('x', `v${PENDING_WRITES - 1}`, 'b'), casOk(true), 102, 103));
    history.push(op(99, get('x'), got('b'), 104, 105));
    assert.equal(checkOperations(kvModel, history, { maxSearchSteps: STEP_BUDGET }).outcome, 'ok');
    const stale = [...history, op(99, get('x'), got('a'), 106, 107)];
    assert.equal(
      checkOperations(kvModel, stale, { maxSearchSteps: STEP_BUDGET }).outcome,
      'illegal',
    );
  });
});

describe('checkOperations agrees with brute force on small random histories', () => {
  const HISTORIES = 400;
  const MAX_OPERATIONS = 7;
  const TIME_SPAN_TICKS = 12;
  const VALUES = ['a', 'b'];

  for (const unknownChance of [0.2, 0.6]) {
    it(`key-value histories, ${unknownChance * 100}% timed out (${HISTORIES} seeds)`, () => {
      const verdicts = { ok: 0, illegal: 0 };
      for (let seed = 1; seed <= HISTORIES; seed++) {
        const rng = new SeededRandom(seed);
        const history = arbitraryKvHistory(rng, rng.range(1, MAX_OPERATIONS), unknownChance);
        const expected = bruteForceLinearizable(kvModel, history) ? 'ok' : 'illegal';
        verdicts[expected]++;
        for (const model of [kvModel, singlePartitionKv]) {
          const result = checkOperations(model, history);
          assert.equal(result.outcome, expected, `seed=${seed}: ${JSON.stringify(history)}`);
        }
      }
      // Both verdicts must be well represented, or the comparison proves little.
      assert.ok(verdicts.ok > HISTORIES / 5, JSON.stringify(verdicts));
      assert.ok(verdicts.illegal > HISTORIES / 5, JSON.stringify(verdicts));
    });
  }

  it(`counter histories, where timed-out increments commute (${HISTORIES} seeds)`, () => {
    const verdicts = { ok: 0, illegal: 0 };
    for (let seed = 1; seed <= HISTORIES; seed++) {
      const rng = new SeededRandom(seed);
      const history = arbitraryCounterHistory(rng, rng.range(1, MAX_OPERATIONS));
      const expected = bruteForceLinearizable(counterModel, history) ? 'ok' : 'illegal';
      verdicts[expected]++;
      const result = checkOperations(counterModel, history);
      assert.equal(result.outcome, expected, `seed=${seed}: ${JSON.stringify(history)}`);
    }
    assert.ok(verdicts.ok > HISTORIES / 5, JSON.stringify(verdicts));
    assert.ok(verdicts.illegal > HISTORIES / 5, JSON.stringify(verdicts));
  });

  /** Any history on one key: random intervals, random (often wrong) outputs, some timed out. */
  function arbitraryKvHistory(
    rng: SeededRandom,
    size: number,
    unknownChance: number,
  ): KvOperation[] {
    const value = () => rng.pick(VALUES);
    const maybeAbsent = () => (rng.chance(0.3) ? null : value());
    return Array.from({ length: size }, (_, i) => {
      const call = rng.int(TIME_SPAN_TICKS);
      const ret = call + rng.int(TIME_SPAN_TICKS / 2);
      const kind = rng.int(3);
      const input =
        kind === 0 ? get('x') : kind === 1 ? put('x', value()) : cas('x', maybeAbsent(), value());
      if (rng.chance(unknownChance)) return timedOut(i, input, call);
      const output =
        input.kind === 'get'
          ? got(maybeAbsent())
          : input.kind === 'put'
            ? putOk
            : casOk(rng.chance(0.5));
      return op(i, input, output, call, ret);
    });
  }

  function arbitraryCounterHistory(rng: SeededRandom, size: number): CounterOperation[] {
    return Array.from({ length: size }, (_, i) => {
      const call = rng.int(TIME_SPAN_TICKS);
      const ret = call + rng.int(TIME_SPAN_TICKS / 2);
      if (rng.chance(0.5)) {
        const timeout = rng.chance(0.5);
        return {
          clientId: i,
          input: 'inc',
          call,
          output: undefined,
          return: timeout ? Infinity : ret,
        };
      }
      return { clientId: i, input: 'read', call, output: rng.int(4), return: ret };
    });
  }

  /**
   * Whether some total order of all operations respects real-time order (A before B whenever
   * A.return < B.call) and the model accepts every output. Timed-out operations are included
   * too: with an infinite return they may go last, which is the same as never taking effect.
   */
  function bruteForceLinearizable<S, I, O>(
    model: Model<S, I, O>,
    history: readonly Operation<I, O>[],
  ): boolean {
    const used = new Array<boolean>(history.length).fill(false);
    const extend = (state: S, depth: number): boolean => {
      if (depth === history.length) return true;
      for (let i = 0; i < history.length; i++) {
        if (used[i]) continue;
        const candidate = history[i]!;
        const mustWait = history.some((o, j) => !used[j] && j !== i && o.return < candidate.call);
        if (mustWait) continue;
        const { ok, state: next } = model.step(state, candidate.input, candidate.output);
        if (!ok) continue;
        used[i] = true;
        const found = extend(next, depth + 1);
        used[i] = false;
        if (found) return true;
      }
      return false;
    };
    return extend(model.init(), 0);
  }
});

/** A counter: 'inc' adds one (its output carries nothing), 'read' observes the count. */
type CounterOperation = Operation<'inc' | 'read', number>;
const counterModel: Model<number, 'inc' | 'read', number> = {
  init: () => 0,
  step: (count, input, output) =>
    input === 'inc'
      ? { ok: true, state: count + 1 }
      : { ok: output === undefined || output === count, state: count },
  hash: (count) => String(count),
};

/**
 * Concurrent timed-out increments and an impossible read: the configurations the search must
 * rule out are all the subsets of increments, none subsuming another of the same count.
 */
function hardCounterHistory(): CounterOperation[] {
  const INCREMENTS = 40;
  const history: CounterOperation[] = [];
  for (let i = 0; i < INCREMENTS; i++) {
    history.push({ clientId: i, input: 'inc', call: 0, output: undefined, return: Infinity });
  }
  history.push({ clientId: 99, input: 'read', call: 1, output: -1, return: 2 });
  return history;
}
