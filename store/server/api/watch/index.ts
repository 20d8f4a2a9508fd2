// The Watch service: one hub per replica, one session per stream.

import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { etcdError, toServiceError } from '../../../errors.js';
import { limits } from '../../../limits.js';
import { WatchHub, type WatchHubLimits } from '../../../mvcc/watch/index.js';
import type { WatchHandlers } from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { watchServiceLimits, type WatchServiceLimits } from './watch-limits.js';
import { WatchSession } from './watch-session.js';

export { watchServiceLimits, type WatchServiceLimits } from './watch-limits.js';

export interface WatchServiceOptions {
  limits?: Partial<WatchServiceLimits>;
  hubLimits?: Partial<WatchHubLimits>;
  /** Default true: creates with a start revision wait for a ReadIndex barrier (watch-session.ts). */
  linearizableResume?: boolean;
}

export interface WatchService {
  readonly handlers: WatchHandlers;
  readonly hub: WatchHub;
}

export function createWatchService(ctx: ApiContext, o: WatchServiceOptions = {}): WatchService {
  const hub = new WatchHub({ store: ctx.mvcc, log: ctx.log, limits: o.hubLimits ?? {} });
  ctx.subscribe(hub.listener);
  const sessionOptions = {
    limits: { ...watchServiceLimits, ...o.limits },
    linearizableResume: o.linearizableResume ?? true,
    // etcd fragments at --max-request-bytes plus its gRPC overhead.
    responseBytesMax: ctx.cfg.maxRequestBytes + limits.grpcOverheadBytes,
  };
  const handlers: WatchHandlers = {
    Watch: (call) => {
      // etcd 3.4 serves no stream on a learner (v3rpc/interceptor.go). Ended
      // through 'error', which grpc-js turns into the status.
      if (ctx.node.raft.isLearner) {
        call.emit('error', toServiceError(etcdError('NotSupportedForLearner')));
        return;
      }
      new WatchSession(ctx, hub, call as never, sessionOptions).start();
    },
  };
  return { handlers, hub };
}

/** The Watch service's handlers (a hub of their own, subscribed to the replica). */
export function watchService(ctx: ApiContext, o: WatchServiceOptions = {}): WatchHandlers {
  return createWatchService(ctx, o).handlers;
}

/**
 * The Watch service definition with a response serializer that passes the
 * session's pre-encoded bytes through (wire-encode.ts); anything else goes
 * to the generic codec.
 */
export function watchServiceDefinition(def: ServiceDefinition): ServiceDefinition {
  const out: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(def)) {
    const serialize = method.responseSerialize;
    out[name] = {
      ...method,
      responseSerialize: (value: unknown): Buffer =>
        Buffer.isBuffer(value) ? value : serialize(value),
    };
  }
  return out as ServiceDefinition;
}
