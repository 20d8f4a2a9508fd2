// Range, exactly as etcd 3.4's applier serves it (etcdserver/apply.go,
// applierV3backend.Range, over mvcc's rangeKeys):
//
// - revision: > the view revision → FutureRev; ≤ 0 → the view revision;
//   < the compacted revision → Compacted (reading AT the compacted revision
//   is allowed).
// - count is the number of keys in the range at that revision, before the
//   min/max filters and the limit; the header revision is the store's, not
//   the one read at.
// - With a sort order or any min/max filter, every key is fetched, filtered,
//   sorted and then cut to `limit`; otherwise limit+1 keys are fetched and
//   `more` says whether the extra one was there. A sort target other than
//   'key' with order 'none' sorts ascending — but only the limit+1 keys
//   fetched (etcd fetches everything only when the order is not 'none').
// - Sorting is stable (ties stay in key order). etcd uses Go's sort.Sort,
//   which is stable for the small inputs it sorts by insertion but not in
//   general: for ties in large results the order may differ from etcd's.

import { etcdError } from '../errors.js';
import { compareBytes } from './keys.js';
import { indexRange, type KvState } from './kv-state.js';
import type { KeyValue, RangeRequest, RangeResponse, SortTarget } from './types.js';

const emptyBytes = new Uint8Array(0);

type Order = (a: KeyValue, b: KeyValue) => number;

const ascending: Record<SortTarget, Order> = {
  key: (a, b) => compareBytes(a.key, b.key),
  version: (a, b) => a.version - b.version,
  create: (a, b) => a.createRevision - b.createRevision,
  mod: (a, b) => a.modRevision - b.modRevision,
  value: (a, b) => compareBytes(a.value, b.value),
};

const descending: Record<SortTarget, Order> = {
  key: (a, b) => compareBytes(b.key, a.key),
  version: (a, b) => b.version - a.version,
  create: (a, b) => b.createRevision - a.createRevision,
  mod: (a, b) => b.modRevision - a.modRevision,
  value: (a, b) => compareBytes(b.value, a.value),
};

function prune(kvs: KeyValue[], keep: (kv: KeyValue) => boolean): KeyValue[] {
  return kvs.filter(keep);
}

/** Serves `r` from `state` at its view revision; throws Compacted or FutureRev. */
export function execRange(state: KvState, r: RangeRequest): RangeResponse {
  const view = state.viewRev();
  let rev = r.revision ?? 0;
  if (rev > view) throw etcdError('FutureRev');
  if (rev <= 0) rev = view;
  if (rev < state.compactRev) throw etcdError('Compacted');

  const minMod = r.minModRevision ?? 0;
  const maxMod = r.maxModRevision ?? 0;
  const minCreate = r.minCreateRevision ?? 0;
  const maxCreate = r.maxCreateRevision ?? 0;
  const filtered = minMod !== 0 || maxMod !== 0 || minCreate !== 0 || maxCreate !== 0;
  const limit = r.limit ?? 0;
  let order = r.sortOrder ?? 'none';
  const target = r.sortTarget ?? 'key';

  let fetch = order !== 'none' || filtered ? 0 : limit;
  fetch = fetch > 0 ? fetch + 1 : 0;

  const found = state.collect(indexRange(r.key, r.rangeEnd), rev, fetch, r.countOnly === true);
  let kvs = found.kvs;
  if (maxMod !== 0) kvs = prune(kvs, (kv) => kv.modRevision <= maxMod);
  if (minMod !== 0) kvs = prune(kvs, (kv) => kv.modRevision >= minMod);
  if (maxCreate !== 0) kvs = prune(kvs, (kv) => kv.createRevision <= maxCreate);
  if (minCreate !== 0) kvs = prune(kvs, (kv) => kv.createRevision >= minCreate);

  // Results come in ascending key order already.
  if (target !== 'key' && order === 'none') order = 'ascend';
  if (order === 'ascend' && target !== 'key') kvs.sort(ascending[target]);
  else if (order === 'descend') kvs.sort(descending[target]);

  let more = false;
  if (limit > 0 && kvs.length > limit) {
    kvs.length = limit;
    more = true;
  }
  if (r.keysOnly === true) kvs = kvs.map((kv) => ({ ...kv, value: emptyBytes }));
  return { revision: view, kvs, more, count: found.count };
}
