// The replicated commands: the write requests the replica proposes through
// Raft and every member applies in order. Encoded with the store's msgpackr
// configuration (codec.ts): bigint lease and member ids travel as 64-bit
// integers, every other field as itself, so a command round-trips exactly.
//
// Entries arrive from the log as bytes; `decodeCommand` checks the whole
// shape (types, enums, nesting) so that applying never meets a field of the
// wrong type, whatever the bytes were.

import { decode, encode } from '../backend/codec.js';
import { limits } from '../limits.js';
import { MalformedCommandError } from './errors.js';
import type {
  AlarmRequest,
  CompactionRequest,
  LeaseCheckpointRequest,
  LeaseGrantRequest,
  LeaseRevokeRequest,
  Compare,
  DeleteRangeRequest,
  Member,
  PutRequest,
  RangeRequest,
  RequestOp,
  TxnRequest,
} from './types.js';

export type Command =
  | { put: PutRequest }
  | { deleteRange: DeleteRangeRequest }
  | { txn: TxnRequest }
  | { compaction: CompactionRequest }
  | { memberUpsert: { member: Member } }
  | { memberRemove: { id: bigint } }
  | { leaseGrant: LeaseGrantRequest }
  | { leaseRevoke: LeaseRevokeRequest }
  | { leaseCheckpoint: LeaseCheckpointRequest }
  | { alarm: AlarmRequest }
  | { noop: true };

export function encodeCommand(command: Command): Uint8Array {
  return encode(command);
}

/** The command in `bytes`; throws MalformedCommandError for anything else. */
export function decodeCommand(bytes: Uint8Array): Command {
  let raw: unknown;
  try {
    raw = decode<unknown>(bytes);
  } catch (err) {
    throw new MalformedCommandError(`undecodable bytes (${(err as Error).message})`);
  }
  return parseCommand(raw);
}

// ---- shape checks -----------------------------------------------------------

const minInt64 = -(2n ** 63n);
const maxInt64 = 2n ** 63n - 1n;
const maxUint64 = 2n ** 64n - 1n;
/** Txn nesting that validation could ever accept (each level uses at least one op). */
const maxTxnDepth = limits.maxTxnOps + 1;

type Obj = Record<string, unknown>;

function fail(path: string, what: string): never {
  throw new MalformedCommandError(`${path} ${what}`);
}

function obj(x: unknown, path: string): Obj {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || x instanceof Uint8Array) {
    fail(path, 'must be an object');
  }
  return x as Obj;
}

function bytes(o: Obj, f: string, path: string, optional = false): void {
  const x = o[f];
  if (optional && x === undefined) return;
  if (!(x instanceof Uint8Array)) fail(`${path}.${f}`, 'must be bytes');
}

function int(o: Obj, f: string, path: string): void {
  const x = o[f];
  // Integers beyond 2^53 are allowed: the server may pass a huge int64 as
  // an inexact number, which still orders correctly (e.g. a future revision).
  if (x !== undefined && !(typeof x === 'number' && Number.isInteger(x))) {
    fail(`${path}.${f}`, 'must be an integer');
  }
}

function bool(o: Obj, f: string, path: string): void {
  const x = o[f];
  if (x !== undefined && typeof x !== 'boolean') fail(`${path}.${f}`, 'must be a boolean');
}

function bigint(o: Obj, f: string, path: string, min: bigint, max: bigint, optional = true): void {
  const x = o[f];
  if (optional && x === undefined) return;
  if (typeof x !== 'bigint' || x < min || x > max) fail(`${path}.${f}`, 'must be a 64-bit bigint');
}

function oneOf(
  o: Obj,
  f: string,
  path: string,
  allowed: readonly string[],
  optional: boolean,
): void {
  const x = o[f];
  if (optional && x === undefined) return;
  if (typeof x !== 'string' || !allowed.includes(x)) fail(`${path}.${f}`, 'has an unknown value');
}

function list(o: Obj, f: string, path: string): unknown[] {
  const x = o[f];
  if (x === undefined) return [];
  if (!Array.isArray(x)) fail(`${path}.${f}`, 'must be an array');
  return x;
}

function checkRange(x: unknown, path: string): asserts x is RangeRequest {
  const o = obj(x, path);
  bytes(o, 'key', path);
  bytes(o, 'rangeEnd', path, true);
  for (const f of ['limit', 'revision', 'minModRevision', 'maxModRevision']) int(o, f, path);
  for (const f of ['minCreateRevision', 'maxCreateRevision']) int(o, f, path);
  oneOf(o, 'sortOrder', path, ['none', 'ascend', 'descend'], true);
  oneOf(o, 'sortTarget', path, ['key', 'version', 'create', 'mod', 'value'], true);
  bool(o, 'keysOnly', path);
  bool(o, 'countOnly', path);
}

function checkPut(x: unknown, path: string): asserts x is PutRequest {
  const o = obj(x, path);
  bytes(o, 'key', path);
  bytes(o, 'value', path);
  bigint(o, 'lease', path, minInt64, maxInt64);
  for (const f of ['prevKv', 'ignoreValue', 'ignoreLease']) bool(o, f, path);
}

function checkDeleteRange(x: unknown, path: string): asserts x is DeleteRangeRequest {
  const o = obj(x, path);
  bytes(o, 'key', path);
  bytes(o, 'rangeEnd', path, true);
  bool(o, 'prevKv', path);
}

function checkCompare(x: unknown, path: string): asserts x is Compare {
  const o = obj(x, path);
  oneOf(o, 'result', path, ['equal', 'greater', 'less', 'not_equal'], false);
  oneOf(o, 'target', path, ['version', 'create', 'mod', 'value', 'lease'], false);
  bytes(o, 'key', path);
  bytes(o, 'rangeEnd', path, true);
  for (const f of ['version', 'createRevision', 'modRevision']) int(o, f, path);
  bytes(o, 'value', path, true);
  bigint(o, 'lease', path, minInt64, maxInt64);
}

/** The one field of a union object that is set (no allocation: this runs per entry). */
function onlyKind(o: Obj, path: string, what: string): string {
  let kind: string | undefined;
  for (const k in o) {
    if (o[k] === undefined) continue;
    if (kind !== undefined) fail(path, `must hold exactly one of ${what}`);
    kind = k;
  }
  if (kind === undefined) fail(path, `must hold exactly one of ${what}`);
  return kind;
}

function checkOp(x: unknown, path: string, depth: number): asserts x is RequestOp {
  const o = obj(x, path);
  const kind = onlyKind(o, path, 'range, put, deleteRange, txn');
  const sub = `${path}.${kind}`;
  if (kind === 'range') checkRange(o.range, sub);
  else if (kind === 'put') checkPut(o.put, sub);
  else if (kind === 'deleteRange') checkDeleteRange(o.deleteRange, sub);
  else if (kind === 'txn') checkTxn(o.txn, sub, depth + 1);
  else fail(path, `has an unknown operation "${kind}"`);
}

function checkTxn(x: unknown, path: string, depth: number): asserts x is TxnRequest {
  if (depth > maxTxnDepth) fail(path, `nests Txns deeper than ${maxTxnDepth}`);
  const o = obj(x, path);
  list(o, 'compare', path).forEach((c, i) => checkCompare(c, `${path}.compare[${i}]`));
  for (const f of ['success', 'failure']) {
    list(o, f, path).forEach((op, i) => checkOp(op, `${path}.${f}[${i}]`, depth));
  }
}

function checkMember(x: unknown, path: string): asserts x is Member {
  const o = obj(x, path);
  bigint(o, 'id', path, 0n, maxUint64, false);
  if (typeof o.name !== 'string') fail(`${path}.name`, 'must be a string');
  for (const f of ['peerUrls', 'clientUrls']) {
    const urls = o[f];
    if (!Array.isArray(urls) || !urls.every((u) => typeof u === 'string')) {
      fail(`${path}.${f}`, 'must be an array of strings');
    }
  }
  if (typeof o.isLearner !== 'boolean') fail(`${path}.isLearner`, 'must be a boolean');
}

/** `raw` as a Command, after checking every field; throws MalformedCommandError. */
export function parseCommand(raw: unknown): Command {
  const o = obj(raw, 'command');
  const kind = onlyKind(o, 'command', 'the command kinds');
  switch (kind) {
    case 'put':
      checkPut(o.put, 'put');
      break;
    case 'deleteRange':
      checkDeleteRange(o.deleteRange, 'deleteRange');
      break;
    case 'txn':
      checkTxn(o.txn, 'txn', 1);
      break;
    case 'compaction': {
      const c = obj(o.compaction, 'compaction');
      if (c.revision === undefined) fail('compaction.revision', 'is required');
      int(c, 'revision', 'compaction');
      bool(c, 'physical', 'compaction');
      break;
    }
    case 'memberUpsert':
      checkMember(obj(o.memberUpsert, 'memberUpsert').member, 'memberUpsert.member');
      break;
    case 'memberRemove':
      bigint(obj(o.memberRemove, 'memberRemove'), 'id', 'memberRemove', 0n, maxUint64, false);
      break;
    case 'leaseGrant': {
      const g = obj(o.leaseGrant, 'leaseGrant');
      bigint(g, 'id', 'leaseGrant', minInt64, maxInt64, false);
      if (g.ttl === undefined) fail('leaseGrant.ttl', 'is required');
      int(g, 'ttl', 'leaseGrant');
      break;
    }
    case 'leaseRevoke':
      bigint(obj(o.leaseRevoke, 'leaseRevoke'), 'id', 'leaseRevoke', minInt64, maxInt64, false);
      break;
    case 'leaseCheckpoint': {
      const c = obj(o.leaseCheckpoint, 'leaseCheckpoint');
      list(c, 'checkpoints', 'leaseCheckpoint').forEach((x, i) => {
        const path = `leaseCheckpoint.checkpoints[${i}]`;
        const cp = obj(x, path);
        bigint(cp, 'id', path, minInt64, maxInt64, false);
        if (cp.remainingTtl === undefined) fail(`${path}.remainingTtl`, 'is required');
        int(cp, 'remainingTtl', path);
      });
      break;
    }
    case 'alarm': {
      const a = obj(o.alarm, 'alarm');
      oneOf(a, 'action', 'alarm', ['get', 'activate', 'deactivate'], false);
      bigint(a, 'memberId', 'alarm', 0n, maxUint64);
      oneOf(a, 'alarm', 'alarm', ['none', 'nospace', 'corrupt'], true);
      if (a.action !== 'get' && (a.memberId === undefined || a.alarm === undefined)) {
        fail('alarm', 'needs memberId and alarm to activate or deactivate');
      }
      break;
    }
    case 'noop':
      if (o.noop !== true) fail('noop', 'must be true');
      break;
    default:
      fail('command', `has an unknown kind "${kind}"`);
  }
  return o as Command;
}
