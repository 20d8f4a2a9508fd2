// Unary requests with failover, and the rule for which requests are retried.
//
// THE RETRY RULE
//
// A request is retried on another endpoint (or the same one, later) only
// when repeating it cannot change the outcome:
//
// 1. Safe requests — reads (Range, serializable or not), Status, MemberList,
//    HashKV, Alarm list, LeaseTimeToLive, LeaseLeases, a single
//    LeaseKeepAlive — are retried after any failure that says "this member
//    cannot serve now": the connection could not be made or dropped
//    (UNAVAILABLE), or etcd answered with one of its UNAVAILABLE errors (no
//    leader, leader changed, request timed out, not capable, rpc not
//    supported for learner, …), or the member went away mid-call (CANCELLED
//    by a server shutting down, a stream reset). Running them twice is
//    harmless.
//
// 2. Unsafe requests — Put, DeleteRange, Txn, Compact, LeaseGrant,
//    LeaseRevoke, member changes, MoveLeader, Alarm disarm — are retried only
//    when the failure proves the request was never executed:
//      - no connection to the member could be made, so nothing was sent
//        (our own dial check, or grpc-js' "No connection established" /
//        "Failed to start HTTP/2 stream" / "Stream refused by server");
//      - etcd's "etcdserver: no leader", which etcd returns before proposing.
//    Any other failure — a connection that dropped after the request was
//    written, "leader changed", "request timed out", a deadline — may hide
//    an executed write, so it surfaces to the caller: retrying could apply
//    the write twice. (etcd's clientv3 3.4 follows the same rule.)
//
// Every other error (a typed etcd error such as CompactedError, or a status
// that is not about availability) is the answer and surfaces at once.
// Retries stop at the request's deadline (requestTimeoutMs by default); the
// last failure is what the caller sees.

import * as grpc from '@grpc/grpc-js';
import type { ServiceName } from '../server/grpc/protos.js';
import type { Endpoint, EndpointPool } from './connection.js';
import type { EtcdClientError } from './errors.js';
import {
  AbortedError,
  ClientClosedError,
  DeadlineExceededError,
  NoEndpointAvailableError,
  errorFromStatus,
} from './errors.js';
import type { ClientLogger } from './logger.js';

export type Safety = 'safe' | 'unsafe';

export interface CallOptions {
  /** The deadline of the whole request, retries included. */
  timeoutMs?: number;
  /** Send to this endpoint only, once: no failover, no retry (endpoint status, hashes, snapshots). */
  endpoint?: string;
  signal?: AbortSignal;
}

/** The pause between two rounds over every endpoint; doubles up to the max. */
const retryRoundDelayMs = 50;
const retryRoundDelayMaxMs = 500;

/** grpc-js' texts for calls that never left the client. */
const notSentDetails = [
  /^No connection established/,
  /^Failed to start HTTP\/2 stream/,
  /^Stream refused by server/,
];

export interface FailureKind {
  /** The endpoint cannot serve now; another member may. */
  endpointFailed: boolean;
  /** The request provably was not executed, so even a write may be repeated. */
  notExecuted: boolean;
}

/** Classifies an error of one attempt (see THE RETRY RULE above). */
export function classifyFailure(err: unknown): FailureKind {
  if (err instanceof NoEndpointAvailableError) return { endpointFailed: true, notExecuted: true };
  const e = errorFromStatus(err);
  const raw = typeof err === 'object' && err !== null ? (err as { details?: unknown }) : {};
  const details = typeof raw.details === 'string' ? raw.details : e.message;
  if (e.grpcCode === grpc.status.UNAVAILABLE) {
    const notExecuted = e.etcdCode === 'NoLeader' || notSentDetails.some((re) => re.test(details));
    return { endpointFailed: true, notExecuted };
  }
  // A member shutting down cancels its calls (we never get here for our own
  // cancellations); a stream reset by the peer ends as INTERNAL. Either way
  // the member went away, maybe after executing the request.
  const memberWentAway =
    (e.grpcCode === grpc.status.CANCELLED && e.etcdCode === undefined) ||
    (e.grpcCode === grpc.status.INTERNAL && /^Received RST_STREAM/.test(details));
  return { endpointFailed: memberWentAway, notExecuted: false };
}

/** Sleeps, unless the signal aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

type UnaryMethod<Req, Res> = (
  req: Req,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: Res) => void,
) => grpc.ClientUnaryCall;

/** One call on one endpoint; rejects with the raw grpc error. */
function callOnce<Req, Res>(
  ep: Endpoint,
  service: ServiceName,
  method: string,
  req: Req,
  deadlineMs: number,
  signal: AbortSignal | undefined,
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    const client = ep.service(service);
    const fn = (client as unknown as Record<string, UnaryMethod<Req, Res>>)[method];
    if (typeof fn !== 'function') throw new TypeError(`no method ${service}.${method}`);
    const onAbort = (): void => call.cancel();
    const call = fn.call(client, req, new grpc.Metadata(), { deadline: deadlineMs }, (err, res) => {
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(res as Res);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface Invoker {
  readonly pool: EndpointPool;
  readonly requestTimeoutMs: number;
  readonly logger: ClientLogger;
}

/**
 * Sends a unary request with failover, following THE RETRY RULE; resolves
 * with the raw response, rejects with a typed EtcdClientError.
 */
export function invoke<Req, Res>(
  inv: Invoker,
  service: ServiceName,
  method: string,
  req: Req,
  safety: Safety,
  o: CallOptions = {},
): Promise<Res> {
  return withFailover(inv, method, safety, o, (ep, deadlineMs) =>
    callOnce<Req, Res>(ep, service, method, req, deadlineMs, o.signal),
  );
}

/**
 * Runs `attempt` on the best endpoint, then on others, following THE RETRY
 * RULE for `safety`. `attempt` rejects with a raw grpc error or a typed one.
 */
export async function withFailover<T>(
  inv: Invoker,
  what: string,
  safety: Safety,
  o: CallOptions,
  attempt: (ep: Endpoint, deadlineMs: number) => Promise<T>,
): Promise<T> {
  const { pool } = inv;
  const deadlineMs = Date.now() + (o.timeoutMs ?? inv.requestTimeoutMs);
  const pinned = o.endpoint === undefined ? undefined : pool.byAddress(o.endpoint);
  let last: EtcdClientError | undefined;
  for (let round = 0; ; round++) {
    for (const ep of pinned ? [pinned] : pool.order()) {
      if (pool.isClosed()) throw new ClientClosedError();
      if (o.signal?.aborted) throw new AbortedError();
      if (Date.now() >= deadlineMs) break;
      try {
        await pool.ready(ep, Math.min(Date.now() + pool.limits.dialTimeoutMs, deadlineMs));
        const res = await attempt(ep, deadlineMs);
        pool.markSucceeded(ep);
        return res;
      } catch (err) {
        if (o.signal?.aborted) throw new AbortedError();
        if (pool.isClosed()) throw new ClientClosedError();
        const typed = errorFromStatus(err, ep.address);
        const kind = classifyFailure(err);
        if (!kind.endpointFailed) throw typed;
        pool.markFailed(ep);
        last = typed;
        const retry = safety === 'safe' || kind.notExecuted;
        inv.logger.debug(
          { endpoint: ep.address, request: what, error: typed.message, retry },
          'capstan client: endpoint failed',
        );
        if (!retry) throw typed;
      }
    }
    const leftMs = deadlineMs - Date.now();
    // A pinned request is about that member alone: one attempt.
    if (leftMs <= 0 || (pinned !== undefined && last !== undefined)) {
      throw last ?? new DeadlineExceededError(`capstan client: ${what} timed out`);
    }
    const pauseMs = retryRoundDelayMs * 2 ** Math.min(round, 8);
    await sleep(Math.min(pauseMs, retryRoundDelayMaxMs, leftMs), o.signal);
  }
}
