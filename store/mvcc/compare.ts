// Txn comparisons, as etcd 3.4 evaluates them (etcdserver/apply.go,
// applyCompare/compareKV): against the state before the transaction; with a
// range_end every key in the range must satisfy the comparison; a key that
// does not exist compares as the zero KeyValue (version, revisions and lease
// 0) — except for a value comparison, which then always fails.

import { compareBytes } from './keys.js';
import { indexRange, type KvState } from './kv-state.js';
import type { Compare, KeyValue } from './types.js';

const emptyBytes = new Uint8Array(0);

const zeroKv: KeyValue = {
  key: emptyBytes,
  createRevision: 0,
  modRevision: 0,
  version: 0,
  value: emptyBytes,
  lease: 0n,
};

function sign(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareKv(c: Compare, kv: KeyValue): boolean {
  let result: number;
  switch (c.target) {
    case 'value':
      result = Math.sign(compareBytes(kv.value, c.value ?? emptyBytes));
      break;
    case 'create':
      result = sign(kv.createRevision, c.createRevision ?? 0);
      break;
    case 'mod':
      result = sign(kv.modRevision, c.modRevision ?? 0);
      break;
    case 'version':
      result = sign(kv.version, c.version ?? 0);
      break;
    case 'lease':
      result = sign(kv.lease, c.lease ?? 0n);
      break;
  }
  switch (c.result) {
    case 'equal':
      return result === 0;
    case 'not_equal':
      return result !== 0;
    case 'greater':
      return result > 0;
    case 'less':
      return result < 0;
  }
}

/** Whether `c` holds in `state` at its view revision. */
export function evalCompare(state: KvState, c: Compare): boolean {
  const { kvs } = state.collect(indexRange(c.key, c.rangeEnd), state.viewRev(), 0, false);
  if (kvs.length === 0) return c.target !== 'value' && compareKv(c, zeroKv);
  for (const kv of kvs) if (!compareKv(c, kv)) return false;
  return true;
}
