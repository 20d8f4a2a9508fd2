// Every error of store/errors.ts, sent by a stub KV.Put, is what the real
// etcdctl 3.4 client recognises: it prints the bare message for the errors
// in etcd's client table, and the raw status for the others. A reworded
// message would show up as "rpc error: code = … desc = …" here.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import {
  etcdError,
  etcdErrorCodes,
  etcdErrors,
  toServiceError,
  type EtcdErrorCode,
} from '../../../../store/errors.js';
import { clientProtos } from '../../../../store/server/grpc/protos.js';
import type { KVHandlers } from '../../../../store/server/grpc/wire-types.js';
import { errorLine, etcdctl, findOnPath } from './etcdctl.js';
import { startGrpcServer, type TestServer } from './grpc-server.js';

const etcdctlBin = findOnPath('etcdctl');

/** grpc-go's names of the status codes, as its errors print them. */
const goCodeName: Record<number, string> = {
  [status.CANCELLED]: 'Canceled',
  [status.UNKNOWN]: 'Unknown',
  [status.UNIMPLEMENTED]: 'Unimplemented',
};

const internalSecret = 'ENOENT /var/lib/capstan/member/mvcc at Object.openSync';

// The key names the outcome: an error code of the table, or a stray failure.
const kv: Pick<KVHandlers, 'Put'> = {
  Put: (call, callback) => {
    const key = call.request.key.toString();
    const err =
      key === 'stray-bug'
        ? new Error(internalSecret)
        : key in etcdErrors
          ? etcdError(key as EtcdErrorCode, 'a detail for the log only')
          : new Error(`no such code ${key}`);
    callback(toServiceError(err));
  },
};

function expectedLine(code: EtcdErrorCode): string {
  const spec = etcdErrors[code];
  if (spec.knownToClients) return `Error: ${spec.message}`;
  return `Error: rpc error: code = ${goCodeName[spec.grpcCode]} desc = ${spec.message}`;
}

/** Runs `work` over `items`, at most `width` at a time. */
async function pool<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i] as T);
  };
  await Promise.all(Array.from({ length: width }, lane));
  return results;
}

describe('etcdctl 3.4 reads every wire error of the table', () => {
  let stub: TestServer | undefined;
  before(async () => {
    if (etcdctlBin !== undefined) stub = await startGrpcServer([[clientProtos().KVService, kv]]);
  });
  after(async () => stub?.close());

  test('each code prints as etcd prints it', async (t) => {
    if (etcdctlBin === undefined || stub === undefined) return t.skip('etcdctl not installed');
    const endpoint = stub.endpoint;
    // Three codes make etcd's client retry for ~3 s (auth token refresh,
    // CANCELLED), so the codes run side by side.
    const lines = await pool(etcdErrorCodes, 8, async (code) => {
      const out = await etcdctl(etcdctlBin, endpoint, ['put', code, 'v']);
      return { code, exitCode: out.exitCode, line: errorLine(out.stderr) };
    });
    for (const { code, exitCode, line } of lines) {
      assert.equal(exitCode, 1, code);
      assert.equal(line, expectedLine(code), code);
    }
  });

  test('a stray failure reaches the client as UNKNOWN with a generic message', async (t) => {
    if (etcdctlBin === undefined || stub === undefined) return t.skip('etcdctl not installed');
    const out = await etcdctl(etcdctlBin, stub.endpoint, ['put', 'stray-bug', 'v']);
    assert.equal(
      errorLine(out.stderr),
      'Error: rpc error: code = Unknown desc = capstan: internal error',
    );
    assert.ok(!out.stderr.includes('ENOENT'));
    assert.ok(!out.stderr.includes('openSync'));
  });
});
