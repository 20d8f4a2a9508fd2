// A request that cannot be handled at all is answered in etcd's (grpc-go's)
// words: a message above the limit with RESOURCE_EXHAUSTED "grpc: received
// message larger than max (N vs. M)", bytes that are not a message with
// INTERNAL "grpc: error unmarshalling request: unexpected EOF". The handler
// never runs for either; a good request reaches it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { unary } from '../../../../store/server/api/unary.js';
import { clientProtos } from '../../../../store/server/grpc/protos.js';
import { checkedService } from '../../../../store/server/grpc/request-checks.js';
import type * as w from '../../../../store/server/grpc/wire-types.js';
import { createLogger } from '../../../../store/server/logger.js';
import { startGrpcServer, type TestServer } from './grpc-server.js';

const frameLimitBytes = 64;

/** One unary call with raw bytes as the request; resolves with the status. */
function rawCall(endpoint: string, body: Uint8Array): Promise<{ code: number; details: string }> {
  const client = new grpc.Client(endpoint, grpc.credentials.createInsecure());
  const same = (b: Buffer): Buffer => b;
  return new Promise((resolve) =>
    client.makeUnaryRequest('/etcdserverpb.KV/Range', same, same, Buffer.from(body), (err) => {
      client.close();
      resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '' });
    }),
  );
}

/** A RangeRequest with `key`, encoded as etcd's wire has it (field 1, bytes). */
function rangeRequest(key: string): Uint8Array {
  const k = Buffer.from(key);
  return Buffer.concat([Buffer.from([0x0a, k.length]), k]);
}

describe('requests that cannot be handled', () => {
  let server: TestServer | undefined;
  const seen: string[] = [];
  before(async () => {
    const log = createLogger('silent', {});
    const Range = unary<w.RangeRequest<'in'>, w.RangeResponse<'out'>>(log, 'Range', async (req) => {
      seen.push(req.key.toString());
      return { count: 1 };
    });
    server = await startGrpcServer([
      [checkedService(clientProtos().KVService, frameLimitBytes), { Range }],
    ]);
  });
  after(async () => server?.close());

  test('a good request reaches the handler', async () => {
    assert.deepEqual(await rawCall(server!.endpoint, rangeRequest('ok')), { code: 0, details: '' });
    assert.deepEqual(seen, ['ok']);
  });

  test('a message above the limit: RESOURCE_EXHAUSTED as grpc-go words it', async () => {
    const body = rangeRequest('x'.repeat(frameLimitBytes));
    assert.deepEqual(await rawCall(server!.endpoint, body), {
      code: grpc.status.RESOURCE_EXHAUSTED,
      details: `grpc: received message larger than max (${body.length} vs. ${frameLimitBytes})`,
    });
  });

  test('a truncated message or varint: INTERNAL, unexpected EOF', async () => {
    for (const body of [new Uint8Array([0x0a, 0x05, 0x61]), new Uint8Array([0xff, 0xff, 0xff])]) {
      assert.deepEqual(await rawCall(server!.endpoint, body), {
        code: grpc.status.INTERNAL,
        details: 'grpc: error unmarshalling request: unexpected EOF',
      });
    }
    assert.deepEqual(seen, ['ok'], 'the handler never ran for them');
  });
});
