// The same writes and reads against a real etcd 3.4 and against MvccStore:
// every response (revisions, key-values, count, more, deleted, prev_kv(s),
// txn branches, nested responses, errors) must be identical. Skipped when
// no etcd binary is installed.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EtcdError } from '../../../store/errors.js';
import type { Command } from '../../../store/mvcc/command.js';
import type {
  Compare,
  KeyValue,
  RangeRequest,
  RequestOp,
  ResponseOp,
  TxnRequest,
} from '../../../store/mvcc/index.js';
import { type EtcdGateway, etcdAvailable, startEtcd } from './etcd-gateway.js';
import { b, Harness, str } from './helpers.js';

type Json = Record<string, unknown>;

const b64 = (x: Uint8Array) => Buffer.from(x).toString('base64');
const lease = 2n ** 62n + 5n;

// ---- requests in the gateway's JSON --------------------------------------

function rangeJson(r: RangeRequest): Json {
  const j: Json = { key: b64(r.key) };
  if (r.rangeEnd !== undefined) j.range_end = b64(r.rangeEnd);
  const ints: [keyof RangeRequest, string][] = [
    ['limit', 'limit'],
    ['revision', 'revision'],
    ['minModRevision', 'min_mod_revision'],
    ['maxModRevision', 'max_mod_revision'],
    ['minCreateRevision', 'min_create_revision'],
    ['maxCreateRevision', 'max_create_revision'],
  ];
  for (const [f, name] of ints) if (r[f] !== undefined) j[name] = String(r[f]);
  if (r.sortOrder !== undefined) j.sort_order = r.sortOrder.toUpperCase();
  if (r.sortTarget !== undefined) j.sort_target = r.sortTarget.toUpperCase();
  if (r.keysOnly === true) j.keys_only = true;
  if (r.countOnly === true) j.count_only = true;
  return j;
}

function compareJson(c: Compare): Json {
  const j: Json = {
    key: b64(c.key),
    target: c.target.toUpperCase(),
    result: c.result.toUpperCase(),
  };
  if (c.rangeEnd !== undefined) j.range_end = b64(c.rangeEnd);
  if (c.version !== undefined) j.version = String(c.version);
  if (c.createRevision !== undefined) j.create_revision = String(c.createRevision);
  if (c.modRevision !== undefined) j.mod_revision = String(c.modRevision);
  if (c.value !== undefined) j.value = b64(c.value);
  if (c.lease !== undefined) j.lease = String(c.lease);
  return j;
}

function opJson(op: RequestOp): Json {
  if ('range' in op) return { request_range: rangeJson(op.range) };
  if ('put' in op) {
    const p = op.put;
    return {
      request_put: {
        key: b64(p.key),
        value: b64(p.value),
        lease: String(p.lease ?? 0n),
        prev_kv: p.prevKv === true,
        ignore_value: p.ignoreValue === true,
        ignore_lease: p.ignoreLease === true,
      },
    };
  }
  if ('deleteRange' in op) {
    const d = op.deleteRange;
    const j: Json = { key: b64(d.key), prev_kv: d.prevKv === true };
    if (d.rangeEnd !== undefined) j.range_end = b64(d.rangeEnd);
    return { request_delete_range: j };
  }
  return { request_txn: txnJson(op.txn) };
}

function txnJson(t: TxnRequest): Json {
  return {
    compare: (t.compare ?? []).map(compareJson),
    success: (t.success ?? []).map(opJson),
    failure: (t.failure ?? []).map(opJson),
  };
}

// ---- responses in one canonical form -------------------------------------

const num = (x: unknown) => (x === undefined ? 0 : Number(x));

function etcdKv(kv: Json): string {
  const text = (x: unknown) =>
    x === undefined ? '' : Buffer.from(x as string, 'base64').toString('latin1');
  return `${text(kv.key)}=${text(kv.value)}@${num(kv.create_revision)}/${num(kv.mod_revision)}/${num(kv.version)}/L${BigInt((kv.lease as string | undefined) ?? 0)}`;
}

function ourKv(kv: KeyValue): string {
  return `${str(kv.key)}=${str(kv.value)}@${kv.createRevision}/${kv.modRevision}/${kv.version}/L${kv.lease}`;
}

function fromEtcd(kind: string, j: Json): unknown {
  if (j.error !== undefined) return { error: j.error };
  const rev = num((j.header as Json | undefined)?.revision);
  const kvs = (x: unknown) => ((x as Json[] | undefined) ?? []).map(etcdKv);
  switch (kind) {
    case 'range':
      return { rev, kvs: kvs(j.kvs), more: j.more === true, count: num(j.count) };
    case 'put':
      return { rev, prev: j.prev_kv === undefined ? null : etcdKv(j.prev_kv as Json) };
    case 'deleteRange':
      return { rev, deleted: num(j.deleted), prev: kvs(j.prev_kvs) };
    case 'compaction':
      return { rev };
    default: {
      const responses = ((j.responses as Json[] | undefined) ?? []).map((r) => {
        const [name, body] = Object.entries(r)[0]!;
        const sub = {
          response_range: 'range',
          response_put: 'put',
          response_delete_range: 'deleteRange',
          response_txn: 'txn',
        }[name]!;
        return { [sub]: fromEtcd(sub, body as Json) };
      });
      return { rev, succeeded: j.succeeded === true, responses };
    }
  }
}

function fromStore(kind: string, r: unknown): unknown {
  const o = r as Json;
  switch (kind) {
    case 'range':
      return {
        rev: o.revision,
        kvs: (o.kvs as KeyValue[]).map(ourKv),
        more: o.more,
        count: o.count,
      };
    case 'put':
      return { rev: o.revision, prev: o.prevKv === undefined ? null : ourKv(o.prevKv as KeyValue) };
    case 'deleteRange':
      return { rev: o.revision, deleted: o.deleted, prev: (o.prevKvs as KeyValue[]).map(ourKv) };
    case 'compaction':
      return { rev: o.revision };
    default:
      return {
        rev: o.revision,
        succeeded: o.succeeded,
        responses: (o.responses as ResponseOp[]).map((op) => {
          const [sub, body] = Object.entries(op)[0]!;
          return { [sub]: fromStore(sub, body) };
        }),
      };
  }
}

// ---- the script -----------------------------------------------------------

const put = (key: string, value: string, extra = {}): RequestOp => ({
  put: { key: b(key), value: b(value), ...extra },
});
const get = (key: string, extra: Partial<RangeRequest> = {}): RequestOp => ({
  range: { key: b(key), ...extra },
});
const del = (key: string, rangeEnd?: string, prevKv = false): RequestOp => ({
  deleteRange: {
    key: b(key),
    prevKv,
    ...(rangeEnd === undefined ? {} : { rangeEnd: b(rangeEnd) }),
  },
});

const script: (RequestOp | { compaction: { revision: number } })[] = [
  put('a', '1'),
  put('b', '2', { lease }),
  put('a', '3', { prevKv: true }),
  put('c', 'x'),
  del('b', undefined, true),
  del('zz'),
  put('b', 'again', { lease }),
  put('b', '', { ignoreValue: true, prevKv: true }),
  put('b', 'new', { ignoreLease: true }),
  put('nope', '', { ignoreValue: true }),
  {
    txn: {
      compare: [{ key: b('a'), target: 'version', result: 'equal', version: 2 }],
      success: [put('d', 'd1'), get('a', { rangeEnd: b('\0') }), del('c', undefined, true)],
      failure: [get('a')],
    },
  },
  {
    txn: {
      compare: [{ key: b('a'), target: 'mod', result: 'greater', modRevision: 100 }],
      success: [put('e', 'never')],
      failure: [get('b'), put('e', 'e1'), get('e'), del('none')],
    },
  },
  {
    txn: {
      success: [
        put('f', 'f1'),
        {
          txn: {
            compare: [{ key: b('f'), target: 'create', result: 'greater', createRevision: 0 }],
            success: [get('f')],
            failure: [get('a'), put('g', 'g1')],
          },
        },
      ],
    },
  },
  {
    txn: {
      compare: [{ key: b('a'), rangeEnd: b('c'), target: 'lease', result: 'equal', lease }],
      success: [get('x')],
      failure: [
        {
          txn: {
            compare: [{ key: b('b'), target: 'lease', result: 'equal', lease }],
            success: [get('b')],
          },
        },
      ],
    },
  },
  { txn: { success: [get('a', { revision: 99 })] } },
  {
    txn: {
      compare: [{ key: b('zz'), target: 'value', result: 'not_equal', value: b('q') }],
      failure: [get('zz')],
    },
  },
  { txn: { success: [put('k1', 'x'), del('k', '\0', true)] } },
  { compaction: { revision: 5 } },
  { compaction: { revision: 3 } },
  { compaction: { revision: 999 } },
  put('h1', 'z'),
  put('h2', 'y'),
  put('h1', 'w'),
  put('h3', 'y'),
  put('h1', 'v'),
  put('h2', 'x'),
];

function ranges(current: number): RangeRequest[] {
  const out: RangeRequest[] = [];
  const all = { key: b('\0'), rangeEnd: b('\0') };
  for (const revision of [0, 4, 5, 8, 12, current - 3, current, current + 1]) {
    out.push({ ...all, revision });
    out.push({ key: b('a'), rangeEnd: b('h2'), revision, limit: 2 });
  }
  for (const sortTarget of ['key', 'version', 'create', 'mod', 'value'] as const) {
    for (const sortOrder of ['none', 'ascend', 'descend'] as const) {
      out.push({ ...all, sortOrder, sortTarget, limit: 3 });
      out.push({ key: b('h'), rangeEnd: b('i'), sortOrder, sortTarget });
    }
  }
  out.push({ ...all, countOnly: true, limit: 2 });
  out.push({ ...all, keysOnly: true, limit: 4 });
  out.push({ ...all, minModRevision: 10, limit: 2 });
  out.push({ ...all, maxModRevision: 12, minCreateRevision: 3 });
  out.push({ ...all, maxCreateRevision: 9, sortOrder: 'descend', sortTarget: 'mod', limit: 2 });
  out.push({ key: b('h1'), revision: current - 2 });
  out.push({ key: b('b'), rangeEnd: b('a') });
  out.push({ key: b('h'), rangeEnd: b('\0'), limit: -1 });
  return out;
}

describe('against a real etcd 3.4', { skip: !etcdAvailable() && 'no etcd binary' }, () => {
  let etcd: EtcdGateway;
  let h: Harness;
  before(async () => {
    etcd = await startEtcd();
    h = await Harness.memory();
    const granted = await etcd.call('lease/grant', { TTL: '3600', ID: String(lease) });
    assert.equal(granted.ID, String(lease));
  });
  after(async () => {
    await etcd?.stop();
  });

  it('answers every write of the script identically', async () => {
    for (const [i, cmd] of script.entries()) {
      const kind = Object.keys(cmd)[0]!;
      const path = {
        put: 'kv/put',
        deleteRange: 'kv/deleterange',
        txn: 'kv/txn',
        compaction: 'kv/compaction',
      }[kind]!;
      const body =
        'compaction' in cmd
          ? { revision: String(cmd.compaction.revision), physical: true }
          : (Object.values(opJson(cmd as RequestOp))[0] as Json);
      const theirs = fromEtcd(kind, await etcd.call(path, body));
      const r = h.apply(cmd as Command);
      const ours = r.ok
        ? fromStore(kind, Object.values(r.response)[0])
        : { error: r.error.message };
      assert.deepEqual(ours, theirs, `step ${i}: ${kind}`);
    }
  });

  it('answers every range identically, at every revision', async () => {
    for (const [i, r] of ranges(h.store.currentRevision()).entries()) {
      const theirs = fromEtcd('range', await etcd.call('kv/range', rangeJson(r)));
      let ours: unknown;
      try {
        ours = fromStore('range', h.store.range(r));
      } catch (err) {
        assert.ok(err instanceof EtcdError);
        ours = { error: err.message };
      }
      assert.deepEqual(ours, theirs, `range ${i}: ${JSON.stringify(rangeJson(r))}`);
    }
  });
});
