// Txn, as etcd 3.4 applies it (etcdserver/apply.go, applierV3backend.Txn):
//
// 1. Every comparison — the top level's and those of every nested Txn on
//    the branches taken — is evaluated first, against the state before the
//    transaction. The outcome is the "path": one boolean per Txn executed,
//    in pre-order. (So a nested comparison does NOT see the writes that
//    come before it in the same transaction.)
// 2. Along the path, puts with ignoreValue/ignoreLease must find their key
//    (KeyNotFound) and a lease must be one the lessor holds (LeaseNotFound),
//    and ranges with a revision must not be in the future or
//    compacted (FutureRev, Compacted) — still against the state before.
// 3. The operations run in order inside one write transaction: reads see
//    the transaction's earlier writes; all writes share one main revision.
//
// The header revision is the store's revision afterwards; nested Txn
// responses carry revision 0, because etcd never fills their headers.

import { etcdError } from '../errors.js';
import { evalCompare } from './compare.js';
import type { KvState } from './kv-state.js';
import { execRange } from './range.js';
import type { RequestOp, ResponseOp, TxnRequest, TxnResponse } from './types.js';
import type { LeaseLookup } from './leases.js';
import { execDeleteRange, execPut, leaseKnown } from './write-ops.js';

interface Cursor {
  at: number;
}

function branch(r: TxnRequest, succeeded: boolean): RequestOp[] {
  return (succeeded ? r.success : r.failure) ?? [];
}

function comparePath(state: KvState, r: TxnRequest, path: boolean[]): void {
  let ok = true;
  for (const c of r.compare ?? []) {
    if (!evalCompare(state, c)) {
      ok = false;
      break;
    }
  }
  path.push(ok);
  for (const op of branch(r, ok)) if ('txn' in op) comparePath(state, op.txn, path);
}

/** Throws the first error of etcd's checkPut / checkRange along the path. */
function checkPath(
  state: KvState,
  r: TxnRequest,
  path: boolean[],
  at: Cursor,
  leases: LeaseLookup,
): void {
  for (const op of branch(r, path[at.at++]!)) {
    if ('txn' in op) {
      checkPath(state, op.txn, path, at, leases);
    } else if ('put' in op) {
      const p = op.put;
      if (
        (p.ignoreValue === true || p.ignoreLease === true) &&
        state.getLive(p.key) === undefined
      ) {
        throw etcdError('KeyNotFound');
      }
      if (!leaseKnown(p.lease, leases)) throw etcdError('LeaseNotFound');
    }
  }
}

function checkRanges(state: KvState, r: TxnRequest, path: boolean[], at: Cursor): void {
  for (const op of branch(r, path[at.at++]!)) {
    if ('txn' in op) {
      checkRanges(state, op.txn, path, at);
    } else if ('range' in op) {
      const rev = op.range.revision ?? 0;
      if (rev === 0) continue;
      if (rev > state.currentRev) throw etcdError('FutureRev');
      if (rev < state.compactRev) throw etcdError('Compacted');
    }
  }
}

function run(
  state: KvState,
  r: TxnRequest,
  path: boolean[],
  at: Cursor,
  leases: LeaseLookup,
): TxnResponse {
  const succeeded = path[at.at++]!;
  const responses: ResponseOp[] = [];
  for (const op of branch(r, succeeded)) {
    if ('range' in op) responses.push({ range: execRange(state, op.range) });
    else if ('put' in op) responses.push({ put: execPut(state, op.put, leases) });
    else if ('deleteRange' in op)
      responses.push({ deleteRange: execDeleteRange(state, op.deleteRange) });
    else responses.push({ txn: run(state, op.txn, path, at, leases) });
  }
  return { revision: 0, succeeded, responses };
}

/**
 * Runs a validated Txn inside the write transaction the caller began;
 * throws an EtcdError for the checks of step 2 before changing anything,
 * or (KeyNotFound) half-way, in which case the caller rolls back.
 */
export function execTxn(state: KvState, r: TxnRequest, leases: LeaseLookup): TxnResponse {
  const path: boolean[] = [];
  comparePath(state, r, path);
  checkPath(state, r, path, { at: 0 }, leases);
  checkRanges(state, r, path, { at: 0 });
  const resp = run(state, r, path, { at: 0 }, leases);
  resp.revision = state.viewRev();
  return resp;
}
