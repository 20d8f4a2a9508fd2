// A learner serves only what etcd 3.4 lets it serve: Status, and Range when
// the client asks for a serializable read (v3rpc/interceptor.go and
// isRPCSupportedForLearner). Everything else — writes, linearizable reads,
// membership, the other maintenance calls, streams — is answered
// "etcdserver: rpc not supported for learner" (UNAVAILABLE), which tells a
// client to use another member. Once promoted, the member serves everything.

import type * as grpc from '@grpc/grpc-js';
import { etcdError, toServiceError } from '../../errors.js';
import type { ApiContext } from './context.js';

function supportedForLearner(method: string, request: unknown): boolean {
  if (method === 'Status') return true;
  if (method === 'Range') return (request as { serializable?: unknown }).serializable === true;
  return false;
}

/** The handlers (a service's, by method name), each refusing what a learner may not serve. */
export function learnerGuarded<H extends object>(ctx: ApiContext, handlers: H): H {
  const out: Record<string, unknown> = {};
  for (const [method, handler] of Object.entries(handlers as Record<string, unknown>)) {
    const serve = handler as unknown as (call: unknown, callback?: unknown) => void;
    out[method] = (
      call: { request: unknown } & Partial<
        Pick<grpc.ServerWritableStream<unknown, unknown>, 'emit'>
      >,
      callback?: grpc.sendUnaryData<unknown>,
    ): void => {
      if (!ctx.node.raft.isLearner || supportedForLearner(method, call.request)) {
        serve(call, callback);
        return;
      }
      const err = toServiceError(etcdError('NotSupportedForLearner'));
      // grpc-js passes a callback to unary handlers only. A stream ends with
      // the status through its 'error' event (destroy() would close it
      // without one, and the client would wait forever).
      if (callback !== undefined) callback(err);
      else call.emit?.('error', err);
    };
  }
  return out as H;
}
