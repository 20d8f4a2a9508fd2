// Keep-alive timing on a scripted fake member (an in-process gRPC Lease
// service): renewals every TTL/3, and a lease reported lost when no
// renewal is answered before its TTL runs out.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { clientProtos } from '../../../store/server/grpc/protos.js';
import type * as w from '../../../store/server/grpc/wire-types.js';
import { Client, LeaseLostError } from '../../../store/client/index.js';
import { waitFor } from './fixtures.js';

type Call = grpc.ServerDuplexStream<w.LeaseKeepAliveRequest<'in'>, w.LeaseKeepAliveResponse<'out'>>;

/** Lease ids the fake answers for (with their TTL in seconds); others are never answered. */
const answered = new Map<string, number>([['7', 3]]);
const requests: { id: string; atMs: number }[] = [];
let server: grpc.Server;
let client: Client;

before(async () => {
  server = new grpc.Server();
  server.addService(clientProtos().LeaseService, {
    LeaseKeepAlive: (call: Call) => {
      call.on('data', (req: w.LeaseKeepAliveRequest<'in'>) => {
        requests.push({ id: req.ID, atMs: Date.now() });
        const ttl = answered.get(req.ID);
        if (ttl !== undefined) call.write({ header: {}, ID: req.ID, TTL: String(ttl) });
      });
      call.on('error', () => {});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  client = new Client({ endpoints: [`127.0.0.1:${port}`] });
});
after(() => {
  client?.close();
  server?.forceShutdown();
});

test('renewals go out at once, then every TTL/3', async () => {
  const ka = client.leases.keepAlive(7n);
  const renewals = () => requests.filter((r) => r.id === '7').map((r) => r.atMs);
  await waitFor('three renewals', () => (renewals().length >= 3 ? true : undefined), 5_000);
  ka.close();
  await ka.done;
  const times = renewals().slice(0, 3);
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    assert.ok(gap >= 950 && gap < 1_600, `gap ${gap} ms`); // upper bound: a busy machine delays timers
  }
  assert.equal(ka.ttlSeconds, 3);
});

test('a lease whose renewals go unanswered is lost when its TTL runs out', async () => {
  const started = Date.now();
  const ka = client.leases.keepAlive(8n, { ttlSeconds: 1 });
  const err = await ka.done.then(
    () => undefined,
    (e: unknown) => e,
  );
  const tookMs = Date.now() - started;
  assert.ok(err instanceof LeaseLostError);
  assert.equal(err.leaseId, 8n);
  assert.match(err.message, /could not be renewed/);
  assert.ok(tookMs >= 950 && tookMs < 2_000, `lost after ${tookMs} ms`);
  // It kept trying meanwhile (every keepAliveResendMs).
  assert.ok(requests.filter((r) => r.id === '8').length >= 2);
});
