// The checks the server runs on a request before proposing it — etcd 3.4's
// v3rpc/key.go (checkRangeRequest, checkPutRequest, checkTxnRequest,
// checkIntervals) — as pure functions returning the typed error, or
// undefined when the request may be proposed. The state machine runs them
// again on apply, so an unchecked command can never half-apply.
//
// Negative numbers are not refused: etcd accepts them (a negative limit is
// no limit, a negative revision reads the current one, a negative compaction
// revision is answered Compacted), and so does capstan.

import { type EtcdError, etcdError } from '../errors.js';
import { limits } from '../limits.js';
import type { Command } from './command.js';
import { toIndexKey } from './keys.js';
import type {
  CompactionRequest,
  DeleteRangeRequest,
  LeaseGrantRequest,
  PutRequest,
  RangeRequest,
  RequestOp,
  TxnRequest,
} from './types.js';

function empty(key: Uint8Array | undefined): boolean {
  return key === undefined || key.length === 0;
}

export function validateRange(r: RangeRequest): EtcdError | undefined {
  return empty(r.key) ? etcdError('EmptyKey') : undefined;
}

export function validatePut(r: PutRequest): EtcdError | undefined {
  if (empty(r.key)) return etcdError('EmptyKey');
  if (r.ignoreValue === true && r.value !== undefined && r.value.length !== 0) {
    return etcdError('ValueProvided');
  }
  if (r.ignoreLease === true && r.lease !== undefined && r.lease !== 0n) {
    return etcdError('LeaseProvided');
  }
  return undefined;
}

export function validateDeleteRange(r: DeleteRangeRequest): EtcdError | undefined {
  return empty(r.key) ? etcdError('EmptyKey') : undefined;
}

export function validateCompaction(_r: CompactionRequest): EtcdError | undefined {
  // etcd checks nothing here: the state machine answers Compacted/FutureRev.
  return undefined;
}

function validateOp(op: RequestOp, maxTxnOps: number): EtcdError | undefined {
  if ('range' in op && op.range !== undefined) return validateRange(op.range);
  if ('put' in op && op.put !== undefined) return validatePut(op.put);
  if ('deleteRange' in op && op.deleteRange !== undefined) {
    return validateDeleteRange(op.deleteRange);
  }
  if ('txn' in op && op.txn !== undefined) return checkTxnOps(op.txn, maxTxnOps);
  // An op holding none of them: etcd answers "key not found".
  return etcdError('KeyNotFound');
}

/**
 * etcd's checkTxnRequest: the largest of compare/success/failure must not
 * exceed the budget, and each nested Txn gets what is left of it.
 */
function checkTxnOps(r: TxnRequest, maxTxnOps: number): EtcdError | undefined {
  const compare = r.compare ?? [];
  const success = r.success ?? [];
  const failure = r.failure ?? [];
  const opc = Math.max(compare.length, success.length, failure.length);
  if (opc > maxTxnOps) return etcdError('TooManyOps');
  for (const c of compare) if (empty(c.key)) return etcdError('EmptyKey');
  for (const op of success) {
    const err = validateOp(op, maxTxnOps - opc);
    if (err !== undefined) return err;
  }
  for (const op of failure) {
    const err = validateOp(op, maxTxnOps - opc);
    if (err !== undefined) return err;
  }
  return undefined;
}

/**
 * A delete's interval in etcd's "affine" string order, where the empty
 * string is +infinity: [key, end), or the point [key, key+"\0") without a
 * range end. A range end of "\0" is NOT special here (unlike for Range and
 * DeleteRange themselves): [key, "\0") contains nothing, so a put after a
 * from-key delete of the same key is not a duplicate, exactly as in etcd 3.4.
 */
interface Interval {
  low: string;
  high: string | undefined; // undefined: the point `low`
}

function covers(iv: Interval, key: string): boolean {
  if (iv.high === undefined) return key === iv.low;
  return iv.low <= key && (iv.high === '' || key < iv.high);
}

function anyCovers(dels: readonly Interval[], key: string): boolean {
  for (const iv of dels) if (covers(iv, key)) return true;
  return false;
}

interface Writes {
  puts: Set<string>;
  dels: Interval[];
}

/**
 * etcd's checkIntervals: no key may be put twice, nor put and deleted, by
 * the operations that can run together. The two branches of a nested Txn
 * are exclusive, so a key may be put in both; checks run in etcd's order
 * (this level's deletes, then nested Txns one by one, then this level's
 * puts), which lets a nested put precede a later nested delete of its key.
 */
function checkIntervals(ops: readonly RequestOp[]): Writes | EtcdError {
  const dels: Interval[] = [];
  for (const op of ops) {
    if (!('deleteRange' in op) || op.deleteRange === undefined) continue;
    const d = op.deleteRange;
    const high =
      d.rangeEnd !== undefined && d.rangeEnd.length > 0 ? toIndexKey(d.rangeEnd) : undefined;
    dels.push({ low: toIndexKey(d.key), high });
  }
  const puts = new Set<string>();
  for (const op of ops) {
    if (!('txn' in op) || op.txn === undefined) continue;
    const then = checkIntervals(op.txn.success ?? []);
    if (!('puts' in then)) return then;
    const otherwise = checkIntervals(op.txn.failure ?? []);
    if (!('puts' in otherwise)) return otherwise;
    for (const k of then.puts) {
      if (puts.has(k) || anyCovers(dels, k)) return etcdError('DuplicateKey');
      puts.add(k);
    }
    for (const k of otherwise.puts) {
      if ((puts.has(k) && !then.puts.has(k)) || anyCovers(dels, k)) {
        return etcdError('DuplicateKey');
      }
      puts.add(k);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) {
    if (!('put' in op) || op.put === undefined) continue;
    const k = toIndexKey(op.put.key);
    if (puts.has(k) || anyCovers(dels, k)) return etcdError('DuplicateKey');
    puts.add(k);
  }
  return { puts, dels };
}

export function validateTxn(
  r: TxnRequest,
  maxTxnOps: number = limits.maxTxnOps,
): EtcdError | undefined {
  const err = checkTxnOps(r, maxTxnOps);
  if (err !== undefined) return err;
  // Only after the op count is bounded, so the overlap check stays cheap.
  for (const ops of [r.success ?? [], r.failure ?? []]) {
    const writes = checkIntervals(ops);
    if (!('puts' in writes)) return writes;
  }
  return undefined;
}

/** The validation of whichever request `c` carries. */
export function validateCommand(c: Command): EtcdError | undefined {
  if ('put' in c) return validatePut(c.put);
  if ('deleteRange' in c) return validateDeleteRange(c.deleteRange);
  if ('txn' in c) return validateTxn(c.txn);
  if ('compaction' in c) return validateCompaction(c.compaction);
  if ('leaseGrant' in c) return validateLeaseGrant(c.leaseGrant);
  return undefined;
}

/** etcd's lessor.Grant checks: no lease id 0, no TTL above the maximum. */
export function validateLeaseGrant(r: LeaseGrantRequest): EtcdError | undefined {
  if (r.ttl > limits.maxLeaseTtlSeconds) return etcdError('LeaseTTLTooLarge');
  if (r.id === 0n) return etcdError('LeaseNotFound');
  return undefined;
}
