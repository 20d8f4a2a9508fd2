// One unary call with the request given as raw bytes, so a session can send
// what no well-behaved client encodes (a truncated message).

import * as grpc from '@grpc/grpc-js';

/** Resolves with the call's status (and the reply's bytes, if any). */
export function rawUnary(
  endpoint: string,
  path: string,
  body: Uint8Array,
  timeoutMs = 5000,
): Promise<{ code: number; details: string; reply?: Buffer }> {
  const client = new grpc.Client(endpoint, grpc.credentials.createInsecure());
  const same = (b: Buffer): Buffer => b;
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      same,
      same,
      Buffer.from(body),
      { deadline: Date.now() + timeoutMs },
      (err, reply) => {
        client.close();
        if (err) resolve({ code: err.code, details: err.details });
        else resolve({ code: grpc.status.OK, details: '', ...(reply ? { reply } : {}) });
      },
    );
  });
}
