// Transactions: `client.txn({ if: [...compares], then: [...ops], else: [...ops] })`.
//
//   await client.txn({
//     if: [compare.createRevision('lock/a', '=', myRev)],
//     then: [op.put('data', 'v')],
//   });
//
// A transaction that neither puts nor deletes (in any branch, nested ones
// included) is a read and is retried like one; any other is a write.

import type * as w from '../server/grpc/wire-types.js';
import { CompareResult, CompareTarget } from '../server/grpc/wire-types.js';
import { bytesOut, headerIn, int64Out, type Bytes, type ResponseHeader } from './codec.js';
import {
  deleteRequest,
  deleteResult,
  keyRange,
  putRequest,
  putResult,
  rangeRequest,
  rangeResult,
  type DeleteOptions,
  type DeleteResult,
  type KeyRangeOptions,
  type PutOptions,
  type PutResult,
  type RangeOptions,
  type RangeResult,
} from './kv.js';

export type CompareOperator = '=' | '!=' | '<' | '>';

const results = {
  '=': CompareResult.EQUAL,
  '!=': CompareResult.NOT_EQUAL,
  '<': CompareResult.LESS,
  '>': CompareResult.GREATER,
} as const;

/** One condition of a transaction (build it with `compare.*`). */
export interface Compare {
  readonly wire: w.Compare<'out'>;
}

function base(key: Bytes, operator: CompareOperator, o: KeyRangeOptions | undefined) {
  const result = results[operator];
  if (result === undefined) throw new TypeError(`capstan client: bad compare operator ${operator}`);
  return { ...keyRange(key, o), result };
}

/**
 * Conditions on a key (or on every key of a range, with `{ prefix }` or
 * `{ rangeEnd }`). A key that does not exist has version, create and mod
 * revision 0, lease 0 and an empty value.
 */
export const compare = {
  value: (key: Bytes, op: CompareOperator, value: Bytes, o?: KeyRangeOptions): Compare => ({
    wire: { ...base(key, op, o), target: CompareTarget.VALUE, value: bytesOut(value) },
  }),
  version: (
    key: Bytes,
    op: CompareOperator,
    version: bigint | number,
    o?: KeyRangeOptions,
  ): Compare => ({
    wire: {
      ...base(key, op, o),
      target: CompareTarget.VERSION,
      version: int64Out(version, 'version'),
    },
  }),
  createRevision: (
    key: Bytes,
    op: CompareOperator,
    rev: bigint | number,
    o?: KeyRangeOptions,
  ): Compare => ({
    wire: {
      ...base(key, op, o),
      target: CompareTarget.CREATE,
      create_revision: int64Out(rev, 'create revision'),
    },
  }),
  modRevision: (
    key: Bytes,
    op: CompareOperator,
    rev: bigint | number,
    o?: KeyRangeOptions,
  ): Compare => ({
    wire: {
      ...base(key, op, o),
      target: CompareTarget.MOD,
      mod_revision: int64Out(rev, 'mod revision'),
    },
  }),
  lease: (
    key: Bytes,
    op: CompareOperator,
    lease: bigint | number,
    o?: KeyRangeOptions,
  ): Compare => ({
    wire: { ...base(key, op, o), target: CompareTarget.LEASE, lease: int64Out(lease, 'lease') },
  }),
};

/** One request inside a transaction (build it with `op.*`). */
export interface Op {
  readonly wire: w.RequestOp<'out'>;
  /** Whether it (or a nested transaction) writes. */
  readonly writes: boolean;
}

export const op = {
  get: (key: Bytes, o?: RangeOptions): Op => ({
    wire: { request_range: rangeRequest(key, o) },
    writes: false,
  }),
  put: (key: Bytes, value: Bytes, o?: PutOptions): Op => ({
    wire: { request_put: putRequest(key, value, o) },
    writes: true,
  }),
  delete: (key: Bytes, o?: DeleteOptions): Op => ({
    wire: { request_delete_range: deleteRequest(key, o) },
    writes: true,
  }),
  txn: (compares: readonly Compare[], then: readonly Op[], otherwise: readonly Op[] = []): Op => ({
    wire: { request_txn: txnRequest(compares, then, otherwise) },
    writes: [...then, ...otherwise].some((o) => o.writes),
  }),
};

export function txnRequest(
  compares: readonly Compare[],
  then: readonly Op[],
  otherwise: readonly Op[],
): w.TxnRequest<'out'> {
  return {
    compare: compares.map((c) => c.wire),
    success: then.map((o) => o.wire),
    failure: otherwise.map((o) => o.wire),
  };
}

export type OpResponse =
  | { type: 'range'; range: RangeResult }
  | { type: 'put'; put: PutResult }
  | { type: 'delete'; delete: DeleteResult }
  | { type: 'txn'; txn: TxnResult };

export interface TxnResult {
  header: ResponseHeader;
  /** Whether every compare held (the `then` branch ran). */
  succeeded: boolean;
  responses: OpResponse[];
}

export function txnResult(
  r: w.TxnResponse<'in'>,
  outer?: w.ResponseHeader<'in'> | null,
): TxnResult {
  // Responses nested in a transaction may carry no header of their own:
  // they happened at the transaction's revision.
  const h = r.header ?? outer ?? null;
  const withHeader = <T extends { header: w.ResponseHeader<'in'> | null }>(x: T): T =>
    x.header === null ? { ...x, header: h } : x;
  return {
    header: headerIn(h),
    succeeded: r.succeeded,
    responses: r.responses.map((res): OpResponse => {
      switch (res.response) {
        case 'response_range':
          return { type: 'range', range: rangeResult(withHeader(res.response_range)) };
        case 'response_put':
          return { type: 'put', put: putResult(withHeader(res.response_put)) };
        case 'response_delete_range':
          return { type: 'delete', delete: deleteResult(withHeader(res.response_delete_range)) };
        case 'response_txn':
          return { type: 'txn', txn: txnResult(res.response_txn, h) };
        default:
          throw new TypeError('capstan client: a txn response without a response');
      }
    }),
  };
}

/**
 * A transaction as `client.txn()` takes it. (A plain object rather than a
 * chained builder: an object with a `then` method would be a thenable,
 * and `await`ing or returning it from an async function would misfire.)
 */
export interface TxnSpec {
  if?: readonly Compare[];
  then?: readonly Op[];
  else?: readonly Op[];
}

/** Whether any branch writes (then a commit is not retried after an ambiguous failure). */
export function txnWrites(spec: TxnSpec): boolean {
  return [...(spec.then ?? []), ...(spec.else ?? [])].some((o) => o.writes);
}
