// Randomized comparison of MvccStore with the reference model: seeded
// sequences of puts, deletes, (nested) transactions, compactions and ranges
// of every kind; after every step both must agree on the result and on a
// sample of ranges, current and historical. The store is also flushed and
// reopened from its backend now and then.
//
// Replay one seed: MVCC_MODEL_SEED=<seed> node --import tsx --test test/store/mvcc/model.test.ts
// More seeds:      MVCC_MODEL_SEEDS=500 node --import tsx --test test/store/mvcc/model.test.ts

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SeededRandom } from '../../../store/raft/random.js';
import type { Command } from '../../../store/mvcc/command.js';
import { MemoryBackend, type RangeRequest, type RequestOp } from '../../../store/mvcc/index.js';
import { b, Harness, openStore, str } from './helpers.js';
import {
  type ModelCompare,
  type ModelOp,
  type ModelRange,
  ReferenceModel,
} from './reference-model.js';

const stepsPerSeed = 400;
const defaultSeeds = Array.from({ length: 12 }, (_, i) => 1000 + i);
const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', '\x00', '\xff', 'ab'];

/** The store's results in the model's shape: bytes as strings, KeyValues as plain objects. */
function normalize(x: unknown): unknown {
  if (x instanceof Uint8Array) return str(x);
  if (x instanceof Promise) return undefined;
  if (Array.isArray(x)) return x.map(normalize);
  if (typeof x === 'object' && x !== null) {
    const o = x as Record<string, unknown>;
    if ('modRevision' in o) {
      return {
        key: str(o.key as Uint8Array),
        value: str(o.value as Uint8Array),
        create: o.createRevision,
        mod: o.modRevision,
        version: o.version,
        lease: o.lease,
      };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o))
      if (k !== 'physical' && v !== undefined) out[k] = normalize(v);
    return out;
  }
  return x;
}

class Generator {
  constructor(
    private readonly rnd: SeededRandom,
    private readonly rev: () => number,
  ) {}

  key(): string {
    return this.rnd.pick(keys);
  }

  end(key: string): string | undefined {
    const r = this.rnd.int(4);
    if (r === 0) return undefined;
    if (r === 1) return '\0';
    return this.rnd.pick([...keys, 'zz', 'c\x00']).padEnd(1, 'a') > key
      ? this.rnd.pick(['c', 'f', 'zz', '\xff'])
      : 'e';
  }

  revision(): number {
    const r = this.rnd.int(6);
    if (r < 3) return 0;
    if (r === 3) return this.rev() + this.rnd.int(3);
    return this.rnd.range(-1, this.rev());
  }

  range(): ModelRange {
    const key = this.key();
    const r: ModelRange = { key, revision: this.revision() };
    const end = this.end(key);
    if (end !== undefined) r.end = end;
    if (this.rnd.chance(0.5)) r.limit = this.rnd.range(-1, 4);
    if (this.rnd.chance(0.4)) r.sortOrder = this.rnd.pick(['none', 'ascend', 'descend'] as const);
    if (this.rnd.chance(0.4))
      r.sortTarget = this.rnd.pick(['key', 'version', 'create', 'mod', 'value'] as const);
    if (this.rnd.chance(0.1)) r.keysOnly = true;
    if (this.rnd.chance(0.1)) r.countOnly = true;
    if (this.rnd.chance(0.15)) r.minMod = this.rnd.range(0, this.rev());
    if (this.rnd.chance(0.15)) r.maxMod = this.rnd.range(0, this.rev());
    if (this.rnd.chance(0.1)) r.minCreate = this.rnd.range(0, this.rev());
    if (this.rnd.chance(0.1)) r.maxCreate = this.rnd.range(0, this.rev());
    return r;
  }

  lease(): bigint {
    return this.rnd.pick([0n, 1n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n]);
  }

  compare(): ModelCompare {
    const key = this.key();
    const target = this.rnd.pick(['version', 'create', 'mod', 'value', 'lease'] as const);
    const operand =
      target === 'value'
        ? this.rnd.pick(['', 'v0', 'v1', 'v2'])
        : target === 'lease'
          ? this.lease()
          : this.rnd.range(0, Math.max(this.rev(), 3));
    const c: ModelCompare = {
      key,
      target,
      result: this.rnd.pick(['equal', 'not_equal', 'greater', 'less'] as const),
      operand,
    };
    if (this.rnd.chance(0.2)) c.end = this.rnd.pick(['\0', 'e', 'zz']);
    return c;
  }

  /** Ops writing only keys not in `used` (etcd refuses duplicates; that is tested elsewhere). */
  ops(used: Set<string>, depth: number): ModelOp[] {
    const out: ModelOp[] = [];
    for (let n = this.rnd.int(4); n > 0; n--) {
      const r = this.rnd.int(10);
      const key = this.key();
      if (r < 3) out.push({ range: this.range() });
      else if (r < 7 && !used.has(key)) {
        used.add(key);
        const value = `v${this.rnd.int(3)}`;
        out.push({
          put: {
            key,
            value,
            lease: this.lease(),
            prevKv: this.rnd.chance(0.3),
            ignoreValue: this.rnd.chance(0.05),
          },
        });
      } else if (r < 9 && !used.has(key)) {
        used.add(key);
        out.push({ del: { key, prevKv: this.rnd.chance(0.5) } });
      } else if (depth < 2) {
        out.push({ txn: this.txn(used, depth + 1) });
      }
    }
    return out;
  }

  txn(used: Set<string>, depth: number): Extract<ModelOp, { txn: unknown }>['txn'] {
    const compare = Array.from({ length: this.rnd.int(3) }, () => this.compare());
    // Both branches may write the same keys: they never run together.
    const branchUsed = new Set(used);
    const success = this.ops(branchUsed, depth);
    const failureUsed = new Set(used);
    const failure = this.ops(failureUsed, depth);
    for (const k of [...branchUsed, ...failureUsed]) used.add(k);
    return { compare, success, failure };
  }

  command(): ModelOp | { compact: number } {
    const r = this.rnd.int(20);
    if (r < 8) {
      const key = this.key();
      return {
        put: {
          key,
          value: `v${this.rnd.int(3)}`,
          lease: this.lease(),
          prevKv: this.rnd.chance(0.3),
          ignoreValue: this.rnd.chance(0.05),
        },
      };
    }
    if (r < 11) {
      const key = this.key();
      const end = this.end(key);
      return { del: { key, prevKv: this.rnd.chance(0.5), ...(end === undefined ? {} : { end }) } };
    }
    if (r < 18) return { txn: this.txn(new Set(), 0) };
    return { compact: this.rnd.range(-1, this.rev() + 1) };
  }
}

function toRange(r: ModelRange): RangeRequest {
  const req: RangeRequest = { key: b(r.key) };
  if (r.end !== undefined) req.rangeEnd = b(r.end);
  if (r.revision !== undefined) req.revision = r.revision;
  if (r.limit !== undefined) req.limit = r.limit;
  if (r.sortOrder !== undefined) req.sortOrder = r.sortOrder;
  if (r.sortTarget !== undefined) req.sortTarget = r.sortTarget;
  if (r.keysOnly !== undefined) req.keysOnly = r.keysOnly;
  if (r.countOnly !== undefined) req.countOnly = r.countOnly;
  if (r.minMod !== undefined) req.minModRevision = r.minMod;
  if (r.maxMod !== undefined) req.maxModRevision = r.maxMod;
  if (r.minCreate !== undefined) req.minCreateRevision = r.minCreate;
  if (r.maxCreate !== undefined) req.maxCreateRevision = r.maxCreate;
  return req;
}

function toOp(op: ModelOp): RequestOp {
  if ('range' in op) return { range: toRange(op.range) };
  if ('put' in op) {
    const p = op.put;
    return {
      put:
        p.ignoreValue === true
          ? {
              key: b(p.key),
              value: new Uint8Array(0),
              lease: p.lease,
              prevKv: p.prevKv,
              ignoreValue: true,
            }
          : { key: b(p.key), value: b(p.value), lease: p.lease, prevKv: p.prevKv },
    };
  }
  if ('del' in op) {
    const d = op.del;
    return {
      deleteRange: {
        key: b(d.key),
        prevKv: d.prevKv,
        ...(d.end === undefined ? {} : { rangeEnd: b(d.end) }),
      },
    };
  }
  return {
    txn: {
      compare: op.txn.compare.map((c) => ({
        key: b(c.key),
        ...(c.end === undefined ? {} : { rangeEnd: b(c.end) }),
        target: c.target,
        result: c.result,
        ...(c.target === 'value' ? { value: b(c.operand as string) } : {}),
        ...(c.target === 'lease' ? { lease: c.operand as bigint } : {}),
        ...(c.target === 'version' ? { version: c.operand as number } : {}),
        ...(c.target === 'create' ? { createRevision: c.operand as number } : {}),
        ...(c.target === 'mod' ? { modRevision: c.operand as number } : {}),
      })),
      success: op.txn.success.map(toOp),
      failure: op.txn.failure.map(toOp),
    },
  };
}

function toCommand(op: ModelOp | { compact: number }): Command {
  if ('compact' in op) return { compaction: { revision: op.compact } };
  const rop = toOp(op);
  if ('range' in rop) throw new Error('ranges are not commands');
  return rop;
}

async function runSeed(seed: number): Promise<void> {
  const rnd = new SeededRandom(seed);
  const model = new ReferenceModel();
  const backend = new MemoryBackend();
  let h = new Harness(await openStore(backend), backend);
  const gen = new Generator(rnd, () => model.rev);
  for (let step = 0; step < stepsPerSeed; step++) {
    const op = gen.command();
    const expected = model.apply(op);
    const r = h.apply(toCommand(op));
    const actual = r.ok ? { ok: normalize(r.response) } : { error: r.error.code };
    assert.deepEqual(
      actual,
      expected,
      `step ${step}: ${JSON.stringify(op, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`,
    );
    for (let i = 0; i < 3; i++) {
      const q = gen.range();
      const want = model.apply({ range: q });
      let got: unknown;
      try {
        got = { ok: normalize(h.store.range(toRange(q))) };
      } catch (err) {
        got = { error: (err as { code: string }).code };
      }
      assert.deepEqual(got, want, `step ${step} range ${JSON.stringify(q)}`);
    }
    if (rnd.chance(0.03)) {
      await h.store.flush();
      const index = h.index;
      h = new Harness(await openStore(backend.reopen()), backend);
      h.index = index;
      assert.equal(h.store.currentRevision(), model.rev, `step ${step}: revision after reopen`);
    }
  }
}

// MVCC_MODEL_SEED=<n> replays one seed; MVCC_MODEL_SEEDS=<count> runs that many from 1000.
const chosen = process.env.MVCC_MODEL_SEED;
const count = process.env.MVCC_MODEL_SEEDS;
const seeds =
  chosen !== undefined
    ? [Number(chosen)]
    : count !== undefined
      ? Array.from({ length: Number(count) }, (_, i) => 1000 + i)
      : defaultSeeds;

for (const seed of seeds) {
  it(`agrees with the reference model, seed ${seed}`, async () => {
    try {
      await runSeed(seed);
    } catch (err) {
      console.error(
        `mvcc model test failed for seed ${seed}; replay: MVCC_MODEL_SEED=${seed} node --import tsx --test test/store/mvcc/model.test.ts`,
      );
      throw err;
    }
  });
}
