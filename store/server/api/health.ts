// grpc.health.v1.Health: SERVING while this member knows a leader (it can
// then take writes and linearizable reads), NOT_SERVING otherwise.

import type * as grpc from '@grpc/grpc-js';
import type { ApiContext } from './context.js';

const SERVING = 1;
const NOT_SERVING = 2;

function current(ctx: ApiContext): number {
  return ctx.leader() !== 0n ? SERVING : NOT_SERVING;
}

export function healthService(ctx: ApiContext, pollMs: number): grpc.UntypedServiceImplementation {
  return {
    Check: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) =>
      cb(null, { status: current(ctx) }),
    Watch: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      let last = -1;
      const timer = setInterval(() => {
        const s = current(ctx);
        if (s !== last) {
          last = s;
          call.write({ status: s });
        }
      }, pollMs);
      const stop = (): void => clearInterval(timer);
      call.on('cancelled', stop);
      call.on('close', stop);
      call.on('error', stop);
      last = current(ctx);
      call.write({ status: last });
    },
  };
}
