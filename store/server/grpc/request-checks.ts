// Requests that cannot be handled at all — a message larger than etcd
// accepts, or bytes that are not a valid message — answered with the status
// and the words of etcd's gRPC server (grpc-go) rather than grpc-js's:
//
//   RESOURCE_EXHAUSTED  grpc: received message larger than max (N vs. M)
//   INTERNAL            grpc: error unmarshalling request: unexpected EOF
//
// Each method's request decoder is wrapped: instead of throwing, it hands
// the handler a GrpcStatusError in place of the request, and the handler
// answers with it (api/unary.ts, api/maintenance/snapshot.ts). grpc-js's
// own receive limit stays in place as a hard limit above etcd's, so no
// request of any size is buffered unbounded; beyond it grpc-js answers with
// the same code in its own words.

import { status, type MethodDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { GrpcStatusError } from '../../errors.js';

/** grpc-js refuses frames beyond this itself (twice etcd's limit: bounded memory per stream). */
export function receiveHardLimitBytes(frameLimitBytes: number): number {
  return 2 * frameLimitBytes;
}

/** What a decode failure says in grpc-go's words, as far as they can be told apart. */
function unmarshalReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // protobufjs reads past the end of a truncated message or varint: Go's io.ErrUnexpectedEOF.
  if (err instanceof RangeError || /index out of range/.test(message)) return 'unexpected EOF';
  return `proto: ${message}`;
}

/**
 * The service with every request decoder checked: a frame above
 * `frameLimitBytes` (etcd: --max-request-bytes plus its gRPC overhead) or
 * one that does not decode becomes a GrpcStatusError for the handler.
 */
export function checkedService(def: ServiceDefinition, frameLimitBytes: number): ServiceDefinition {
  const out: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(def)) {
    const decode = method.requestDeserialize;
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        if (bytes.length > frameLimitBytes) {
          return new GrpcStatusError(
            status.RESOURCE_EXHAUSTED,
            `grpc: received message larger than max (${bytes.length} vs. ${frameLimitBytes})`,
          );
        }
        try {
          return decode(bytes);
        } catch (err) {
          return new GrpcStatusError(
            status.INTERNAL,
            `grpc: error unmarshalling request: ${unmarshalReason(err)}`,
          );
        }
      },
    };
  }
  return out as ServiceDefinition;
}

/** The status a request stands for when its decoder refused it (see checkedService). */
export function refusedRequest(request: unknown): GrpcStatusError | undefined {
  return request instanceof GrpcStatusError ? request : undefined;
}
