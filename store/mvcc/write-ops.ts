// Put and DeleteRange inside a write transaction, as etcd 3.4's applier does
// them (applierV3backend.Put / DeleteRange). The response revision is the
// view revision after the operation: the new revision once the transaction
// has changed anything, else the current one (a delete that matched nothing
// makes no revision).

import { etcdError } from '../errors.js';
import { indexRange, type KvState } from './kv-state.js';
import type { LeaseLookup } from './leases.js';
import type {
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  PutRequest,
  PutResponse,
} from './types.js';

const emptyBytes = new Uint8Array(0);

/** Lease 0 is "no lease"; any other must be one the lessor holds. */
export function leaseKnown(lease: bigint | undefined, leases: LeaseLookup): boolean {
  return lease === undefined || lease === 0n || leases.has(lease);
}

/**
 * Throws LeaseNotFound for a lease the lookup does not hold, then
 * KeyNotFound when ignoreValue/ignoreLease find no live key, in etcd's
 * order for a Put (the lessor is asked first). Txn callers check both
 * before the first change of a transaction (etcd's checkPut), so only a key
 * deleted earlier in the same Txn reaches it mid-way (where etcd 3.4
 * panics; here the transaction rolls back).
 */
export function execPut(state: KvState, r: PutRequest, leases: LeaseLookup): PutResponse {
  const ignoreValue = r.ignoreValue === true;
  const ignoreLease = r.ignoreLease === true;
  if (!leaseKnown(r.lease, leases)) throw etcdError('LeaseNotFound');
  const prev = ignoreValue || ignoreLease || r.prevKv === true ? state.getLive(r.key) : undefined;
  if ((ignoreValue || ignoreLease) && prev === undefined) throw etcdError('KeyNotFound');
  const value = ignoreValue ? prev!.value : (r.value ?? emptyBytes);
  const lease = ignoreLease ? prev!.lease : (r.lease ?? 0n);
  state.put(r.key, value, lease);
  const resp: PutResponse = { revision: state.viewRev() };
  if (r.prevKv === true && prev !== undefined) resp.prevKv = prev;
  return resp;
}

export function execDeleteRange(state: KvState, r: DeleteRangeRequest): DeleteRangeResponse {
  const range = indexRange(r.key, r.rangeEnd);
  let prevKvs: KeyValue[] = [];
  if (r.prevKv === true) prevKvs = state.collect(range, state.viewRev(), 0, false).kvs;
  const deleted = state.deleteRange(range);
  return { revision: state.viewRev(), deleted, prevKvs };
}
