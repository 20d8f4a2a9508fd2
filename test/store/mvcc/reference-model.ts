// A deliberately simple reference model of etcd 3.4's key-value semantics,
// for the randomized test: a full copy of the live keys for every revision,
// keys and values as latin1 strings. It knows nothing of key indexes,
// generations, batches or backends. It handles only transactions whose
// writes touch distinct keys (the generator makes no others).

export interface ModelKv {
  key: string;
  value: string;
  create: number;
  mod: number;
  version: number;
  lease: bigint;
}

export type ModelRange = {
  key: string;
  end?: string; // undefined: one key; '\0': from key on
  revision?: number;
  limit?: number;
  sortOrder?: 'none' | 'ascend' | 'descend';
  sortTarget?: 'key' | 'version' | 'create' | 'mod' | 'value';
  keysOnly?: boolean;
  countOnly?: boolean;
  minMod?: number;
  maxMod?: number;
  minCreate?: number;
  maxCreate?: number;
};

export type ModelCompare = {
  key: string;
  end?: string;
  target: 'version' | 'create' | 'mod' | 'value' | 'lease';
  result: 'equal' | 'not_equal' | 'greater' | 'less';
  operand: number | bigint | string;
};

export type ModelOp =
  | { range: ModelRange }
  | { put: { key: string; value: string; lease: bigint; prevKv: boolean; ignoreValue?: boolean } }
  | { del: { key: string; end?: string; prevKv: boolean } }
  | { txn: ModelTxn };

export type ModelTxn = { compare: ModelCompare[]; success: ModelOp[]; failure: ModelOp[] };

/** Results in the same normalized form as the store's (see normalize in model.test.ts). */
export type Outcome = { error: string } | { ok: unknown };

function inRange(k: string, key: string, end: string | undefined): boolean {
  if (end === undefined) return k === key;
  if (end === '\0') return k >= key;
  return k >= key && k < end;
}

const cmpNum = (a: number | bigint, b: number | bigint) => (a < b ? -1 : a > b ? 1 : 0);
const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

class Failure extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

export class ReferenceModel {
  rev = 1;
  compacted = -1;
  /** The live keys as of each revision. */
  private readonly states = new Map<number, Map<string, ModelKv>>([[1, new Map()]]);

  private live(): Map<string, ModelKv> {
    return this.states.get(this.rev)!;
  }

  private stateAt(rev: number): Map<string, ModelKv> {
    for (let r = rev; r >= 1; r--) {
      const s = this.states.get(r);
      if (s !== undefined) return s;
    }
    return new Map();
  }

  private range(r: ModelRange, view: Map<string, ModelKv>, viewRev: number): unknown {
    let rev = r.revision ?? 0;
    if (rev > viewRev) throw new Failure('FutureRev');
    if (rev <= 0) rev = viewRev;
    if (rev < this.compacted) throw new Failure('Compacted');
    const source = rev === viewRev ? view : this.stateAt(rev);
    const all = [...source.values()].filter((kv) => inRange(kv.key, r.key, r.end));
    all.sort((a, b) => cmpStr(a.key, b.key));
    const count = all.length;
    const limit = r.limit ?? 0;
    const filtered = [r.minMod, r.maxMod, r.minCreate, r.maxCreate].some((x) => (x ?? 0) !== 0);
    let order = r.sortOrder ?? 'none';
    const target = r.sortTarget ?? 'key';
    const fetch = order !== 'none' || filtered ? 0 : limit > 0 ? limit + 1 : 0;
    let kvs = r.countOnly === true ? [] : fetch > 0 ? all.slice(0, fetch) : all;
    if ((r.maxMod ?? 0) !== 0) kvs = kvs.filter((kv) => kv.mod <= r.maxMod!);
    if ((r.minMod ?? 0) !== 0) kvs = kvs.filter((kv) => kv.mod >= r.minMod!);
    if ((r.maxCreate ?? 0) !== 0) kvs = kvs.filter((kv) => kv.create <= r.maxCreate!);
    if ((r.minCreate ?? 0) !== 0) kvs = kvs.filter((kv) => kv.create >= r.minCreate!);
    if (target !== 'key' && order === 'none') order = 'ascend';
    const field = (kv: ModelKv) =>
      ({ key: kv.key, version: kv.version, create: kv.create, mod: kv.mod, value: kv.value })[
        target
      ];
    const asc = (a: ModelKv, b: ModelKv) => {
      const x = field(a);
      const y = field(b);
      return typeof x === 'string' ? cmpStr(x, y as string) : cmpNum(x, y as number);
    };
    if (order === 'ascend') kvs = [...kvs].sort(asc);
    if (order === 'descend') kvs = [...kvs].sort((a, b) => asc(b, a));
    let more = false;
    if (limit > 0 && kvs.length > limit) {
      kvs = kvs.slice(0, limit);
      more = true;
    }
    if (r.keysOnly === true) kvs = kvs.map((kv) => ({ ...kv, value: '' }));
    return { revision: viewRev, kvs, more, count };
  }

  private compare(c: ModelCompare, view: Map<string, ModelKv>): boolean {
    const kvs = [...view.values()].filter((kv) => inRange(kv.key, c.key, c.end));
    if (kvs.length === 0 && c.target === 'value') return false;
    const zero: ModelKv = { key: '', value: '', create: 0, mod: 0, version: 0, lease: 0n };
    return (kvs.length === 0 ? [zero] : kvs).every((kv) => {
      const actual = {
        version: kv.version,
        create: kv.create,
        mod: kv.mod,
        value: kv.value,
        lease: kv.lease,
      }[c.target];
      const res =
        typeof actual === 'string'
          ? cmpStr(actual, c.operand as string)
          : cmpNum(actual, c.operand as number | bigint);
      return { equal: res === 0, not_equal: res !== 0, greater: res > 0, less: res < 0 }[c.result];
    });
  }

  /** Runs a write transaction over a working copy; commits it if it changed anything. */
  private write<T>(
    fn: (view: Map<string, ModelKv>, changed: () => boolean, mark: () => void) => T,
  ): T {
    const view = new Map(this.live());
    let changed = false;
    const result = fn(
      view,
      () => changed,
      () => (changed = true),
    );
    if (changed) {
      this.rev++;
      this.states.set(this.rev, view);
    }
    return result;
  }

  private put(
    p: Extract<ModelOp, { put: unknown }>['put'],
    view: Map<string, ModelKv>,
    next: number,
    mark: () => void,
  ): unknown {
    const prev = view.get(p.key);
    if (p.ignoreValue === true && prev === undefined) throw new Failure('KeyNotFound');
    mark();
    view.set(p.key, {
      key: p.key,
      value: p.ignoreValue === true ? prev!.value : p.value,
      create: prev?.create ?? next,
      mod: next,
      version: (prev?.version ?? 0) + 1,
      lease: p.lease,
    });
    return p.prevKv && prev !== undefined ? { revision: next, prevKv: prev } : { revision: next };
  }

  private del(
    d: Extract<ModelOp, { del: unknown }>['del'],
    view: Map<string, ModelKv>,
    mark: () => void,
  ) {
    const gone = [...view.values()]
      .filter((kv) => inRange(kv.key, d.key, d.end))
      .sort((a, b) => cmpStr(a.key, b.key));
    for (const kv of gone) view.delete(kv.key);
    if (gone.length > 0) mark();
    return { deleted: gone.length, prevKvs: d.prevKv ? gone : [] };
  }

  private runTxn(
    t: ModelTxn,
    before: Map<string, ModelKv>,
    view: Map<string, ModelKv>,
    changed: () => boolean,
    mark: () => void,
  ): unknown {
    const succeeded = t.compare.every((c) => this.compare(c, before));
    const responses = (succeeded ? t.success : t.failure).map((op) => {
      const viewRev = () => this.rev + (changed() ? 1 : 0);
      if ('range' in op) return { range: this.range(op.range, view, viewRev()) };
      if ('put' in op) return { put: this.put(op.put, view, this.rev + 1, mark) };
      if ('del' in op) {
        const r = this.del(op.del, view, mark);
        return { deleteRange: { revision: viewRev(), ...r } };
      }
      return { txn: this.runTxn(op.txn, before, view, changed, mark) };
    });
    return { revision: 0, succeeded, responses };
  }

  /**
   * Pre-checks of etcd's applier on the taken path, against the state before
   * the txn: first every ignoreValue put, then every range revision.
   */
  private check(t: ModelTxn, before: Map<string, ModelKv>, what: 'put' | 'range'): void {
    const ops = t.compare.every((c) => this.compare(c, before)) ? t.success : t.failure;
    for (const op of ops) {
      if ('txn' in op) this.check(op.txn, before, what);
      if (what === 'put' && 'put' in op && op.put.ignoreValue === true && !before.has(op.put.key)) {
        throw new Failure('KeyNotFound');
      }
      if (what === 'range' && 'range' in op && (op.range.revision ?? 0) !== 0) {
        if (op.range.revision! > this.rev) throw new Failure('FutureRev');
        if (op.range.revision! < this.compacted) throw new Failure('Compacted');
      }
    }
  }

  apply(op: ModelOp | { compact: number }): Outcome {
    try {
      if ('compact' in op) {
        if (op.compact <= this.compacted) throw new Failure('Compacted');
        if (op.compact > this.rev) throw new Failure('FutureRev');
        this.compacted = op.compact;
        return { ok: { compaction: { revision: this.rev } } };
      }
      if ('range' in op) return { ok: this.range(op.range, this.live(), this.rev) };
      if ('put' in op)
        return {
          ok: { put: this.write((v, _c, mark) => this.put(op.put, v, this.rev + 1, mark)) },
        };
      if ('del' in op) {
        const r = this.write((v, _c, mark) => this.del(op.del, v, mark));
        return { ok: { deleteRange: { revision: this.rev, ...r } } };
      }
      const before = this.live();
      this.check(op.txn, before, 'put');
      this.check(op.txn, before, 'range');
      const resp = this.write((v, changed, mark) =>
        this.runTxn(op.txn, before, v, changed, mark),
      ) as {
        revision: number;
      };
      resp.revision = this.rev;
      return { ok: { txn: resp } };
    } catch (err) {
      if (err instanceof Failure) return { error: err.code };
      throw err;
    }
  }
}
