// The retry rule (store/client/retry.ts), checked on scripted fake members:
// in-process gRPC servers whose KV handlers count calls and fail as told.
// Reads fail over after any availability failure; writes only when the
// failure proves they were not executed.

import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { clientProtos } from '../../../store/server/grpc/protos.js';
import { etcdErrors } from '../../../store/errors.js';
import { freePorts } from '../../../store/local-cluster/free-ports.js';
import {
  Client,
  CompactedError,
  EtcdClientError,
  UnavailableError,
  compare,
  op,
} from '../../../store/client/index.js';

type Behaviour = 'ok' | 'timeout' | 'noLeader' | 'compacted' | 'drop';

interface FakeMember {
  endpoint: string;
  calls: Record<string, number>;
  behaviour: Behaviour;
  stop(): Promise<void>;
}

const header = { cluster_id: '1', member_id: '2', revision: '9', raft_term: '1' };

async function fakeMember(): Promise<FakeMember> {
  const server = new grpc.Server();
  const m: FakeMember = { endpoint: '', calls: {}, behaviour: 'ok', stop: async () => {} };
  const handler =
    (method: string, ok: () => object) =>
    (_call: unknown, cb: grpc.sendUnaryData<object>): void => {
      m.calls[method] = (m.calls[method] ?? 0) + 1;
      const fail = (code: keyof typeof etcdErrors): void =>
        cb({ code: etcdErrors[code].grpcCode, details: etcdErrors[code].message });
      switch (m.behaviour) {
        case 'ok':
          return cb(null, ok());
        case 'timeout':
          return fail('Timeout');
        case 'noLeader':
          return fail('NoLeader');
        case 'compacted':
          return fail('Compacted');
        case 'drop':
          // The request arrived (and may have been executed); the connection dies before the answer.
          server.forceShutdown();
          return;
      }
    };
  server.addService(clientProtos().KVService, {
    Range: handler('Range', () => ({ header, kvs: [], count: '0' })),
    Put: handler('Put', () => ({ header })),
    DeleteRange: handler('DeleteRange', () => ({ header, deleted: '0' })),
    Txn: handler('Txn', () => ({ header, succeeded: true, responses: [] })),
    Compact: handler('Compact', () => ({ header })),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  m.endpoint = `127.0.0.1:${port}`;
  m.stop = () => new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  return m;
}

let a: FakeMember;
let b: FakeMember;
let client: Client;
let deadPort: number;

beforeEach(async () => {
  client?.close();
  await a?.stop();
  await b?.stop();
  [a, b] = [await fakeMember(), await fakeMember()];
  [deadPort] = (await freePorts(1)) as [number];
  client = new Client({ endpoints: [a.endpoint, b.endpoint], requestTimeoutMs: 3_000 });
});
after(async () => {
  client?.close();
  await a?.stop();
  await b?.stop();
});

test('a read that meets an availability error is retried on the next member', async () => {
  a.behaviour = 'timeout';
  const r = await client.get('k');
  assert.equal(r.header.revision, 9n);
  assert.deepEqual([a.calls['Range'], b.calls['Range']], [1, 1]);
  // The failed member is now skipped (backoff) and the good one is active.
  await client.get('k');
  assert.deepEqual([a.calls['Range'], b.calls['Range']], [1, 2]);
  assert.equal(client.activeEndpoint, b.endpoint);
});

test('a write that may have been executed is not retried: the error surfaces', async () => {
  a.behaviour = 'timeout';
  await assert.rejects(client.put('k', 'v'), UnavailableError);
  assert.equal(a.calls['Put'], 1);
  assert.equal(b.calls['Put'], undefined);
});

test("a write answered with etcd's 'no leader' (refused before proposing) is retried elsewhere", async () => {
  a.behaviour = 'noLeader';
  await client.put('k', 'v');
  assert.deepEqual([a.calls['Put'], b.calls['Put']], [1, 1]);
});

test('a write to a member that cannot be reached was never sent, so it goes to the next member', async () => {
  const c = new Client({
    endpoints: [`127.0.0.1:${deadPort}`, b.endpoint],
    requestTimeoutMs: 3_000,
  });
  try {
    await c.put('k', 'v');
    assert.equal(b.calls['Put'], 1);
    assert.equal(c.activeEndpoint, b.endpoint);
  } finally {
    c.close();
  }
});

test('a write whose connection drops after it was sent is not retried', async () => {
  a.behaviour = 'drop';
  // A member going away mid-call: UNAVAILABLE or CANCELLED, depending on how it goes.
  await assert.rejects(client.put('k', 'v'), EtcdClientError);
  assert.equal(a.calls['Put'], 1);
  assert.equal(b.calls['Put'], undefined);
});

test('a read whose connection drops is retried on the next member', async () => {
  a.behaviour = 'drop';
  await client.get('k');
  assert.deepEqual([a.calls['Range'], b.calls['Range']], [1, 1]);
});

test('a txn that only reads is retried; one that writes is not', async () => {
  a.behaviour = 'timeout';
  await client.txn({
    if: [compare.version('k', '=', 0)],
    then: [op.get('k')],
    else: [op.get('j')],
  });
  assert.deepEqual([a.calls['Txn'], b.calls['Txn']], [1, 1]);
  a.behaviour = 'ok';
  b.behaviour = 'timeout'; // b is now active
  await assert.rejects(
    client.txn({ then: [op.get('k'), op.txn([], [op.delete('k')])] }),
    UnavailableError,
  );
  assert.deepEqual([a.calls['Txn'], b.calls['Txn']], [1, 2]);
});

test('an answer that is an etcd error is never retried', async () => {
  a.behaviour = 'compacted';
  await assert.rejects(client.get('k', { revision: 1 }), CompactedError);
  assert.deepEqual([a.calls['Range'], b.calls['Range']], [1, undefined]);
});

test('when every member keeps failing, a read gives up at its deadline with the last error', async () => {
  a.behaviour = 'timeout';
  b.behaviour = 'timeout';
  const started = Date.now();
  await assert.rejects(client.get('k', { timeoutMs: 600 }), UnavailableError);
  const took = Date.now() - started;
  assert.ok(took >= 500 && took < 2_000, `gave up after ${took} ms`);
  assert.ok((a.calls['Range'] ?? 0) + (b.calls['Range'] ?? 0) >= 2);
});
