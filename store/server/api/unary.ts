// Every unary handler goes through here: the promise's value is the answer,
// and any failure becomes etcd's status for it — a typed error keeps its
// code and message, anything else is logged and answered as an internal
// error without details. A request that did not decode (too large, not a
// message: grpc/request-checks.ts) is answered without calling the handler.
// A bad request never reaches the process's top.

import { status, type handleUnaryCall, type ServerUnaryCall } from '@grpc/grpc-js';
import { EtcdError, GrpcStatusError, toServiceError } from '../../errors.js';
import { refusedRequest } from '../grpc/request-checks.js';
import type { Logger } from '../logger.js';
import { WireValueError } from '../wire.js';

export function unary<Req, Res>(
  log: Logger,
  method: string,
  handle: (req: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const refused = refusedRequest(call.request);
    if (refused !== undefined) {
      callback(toServiceError(refused));
      return;
    }
    let pending: Promise<Res>;
    try {
      pending = handle(call.request, call);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (res) => callback(null, res),
      (err: unknown) => callback(toServiceError(asWireError(err, log, method))),
    );
  };
}

/** Typed errors pass; a malformed field becomes INVALID_ARGUMENT; the rest is logged. */
export function asWireError(err: unknown, log: Logger, method: string): unknown {
  if (err instanceof EtcdError || err instanceof GrpcStatusError) return err;
  if (err instanceof WireValueError)
    return new GrpcStatusError(status.INVALID_ARGUMENT, err.message);
  log.error({ method, err }, 'request failed');
  return err;
}
