// The watch protocol details the typed client must get right, checked on a
// scripted fake member (an in-process gRPC Watch service): one create in
// flight at a time so `created` responses match their watchers, fragments
// merged before they are yielded, a resume from exactly lastRevision + 1
// with anything older dropped, and etcd 3.4's broadcast progress (id -1).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { clientProtos } from '../../../store/server/grpc/protos.js';
import type * as w from '../../../store/server/grpc/wire-types.js';
import { Client } from '../../../store/client/index.js';
import { str, waitFor } from './fixtures.js';

type Call = grpc.ServerDuplexStream<w.WatchRequest<'in'>, w.WatchResponse<'out'>>;

const header = (revision: number) => ({
  cluster_id: '1',
  member_id: '2',
  revision: String(revision),
  raft_term: '1',
});
const put = (key: string, value: string, rev: number): w.Event<'out'> => ({
  type: 0,
  kv: {
    key: Buffer.from(key),
    value: Buffer.from(value),
    create_revision: String(rev),
    mod_revision: String(rev),
    version: '1',
  },
});

/** What the fake member saw, and how it answers. */
const seen = {
  creates: [] as { key: string; start: string }[],
  maxCreatesInFlight: 0,
  streams: 0,
};
let server: grpc.Server;
let client: Client;

before(async () => {
  server = new grpc.Server();
  server.addService(clientProtos().WatchService, {
    Watch: (call: Call) => {
      seen.streams++;
      const stream = seen.streams;
      let nextId = 0;
      let inFlight = 0;
      call.on('data', (req: w.WatchRequest<'in'>) => {
        if (req.request_union === 'progress_request') {
          call.write({ header: header(50), watch_id: '-1' });
          return;
        }
        if (req.request_union !== 'create_request') return;
        const key = req.create_request.key.toString();
        seen.creates.push({ key, start: req.create_request.start_revision });
        inFlight++;
        seen.maxCreatesInFlight = Math.max(seen.maxCreatesInFlight, inFlight);
        const id = String(nextId++);
        // Answer later, so a client that pipelined creates would show it.
        setTimeout(() => {
          inFlight--;
          call.write({ header: header(4), watch_id: id, created: true });
          if (key === 'frag') {
            call.write({
              header: header(9),
              watch_id: id,
              fragment: true,
              events: [put('frag', 'a', 5), put('frag', 'b', 6)],
            });
            call.write({
              header: header(9),
              watch_id: id,
              fragment: true,
              events: [put('frag', 'c', 7)],
            });
            call.write({ header: header(9), watch_id: id, events: [put('frag', 'd', 8)] });
          }
          if (
            key === 'dup' &&
            stream === seen.streams &&
            req.create_request.start_revision === '0'
          ) {
            call.write({
              header: header(6),
              watch_id: id,
              events: [put('dup', 'r5', 5), put('dup', 'r6', 6)],
            });
            setTimeout(
              () => call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'member gone' }),
              20,
            );
          }
          if (key === 'dup' && req.create_request.start_revision === '7') {
            // A member that sends an already-delivered revision again: the client must drop it.
            call.write({
              header: header(8),
              watch_id: id,
              events: [put('dup', 'r6', 6), put('dup', 'r7', 7)],
            });
          }
        }, 10);
      });
      call.on('error', () => {});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  client = new Client({
    endpoints: [`127.0.0.1:${port}`],
    endpointBackoffBaseMs: 20,
  });
});
after(() => {
  client?.close();
  server?.forceShutdown();
});

test('creates go one at a time, and each created response reaches its own watcher', async () => {
  const ws = ['a', 'b', 'c', 'd', 'e'].map((key) => client.watch({ key }));
  await Promise.all(ws.map((x) => x.ready));
  assert.equal(seen.maxCreatesInFlight, 1);
  assert.deepEqual(
    seen.creates.slice(0, 5).map((c) => c.key),
    ['a', 'b', 'c', 'd', 'e'],
  );
  for (const x of ws) assert.equal(x.lastRevision, 4n);
  for (const x of ws) await x.cancel();
});

test('fragments are merged into one response before they are yielded', async () => {
  const x = client.watch({ key: 'frag', fragment: true });
  const r = await x.next();
  assert.deepEqual(
    r.value?.events.map((e) => str(e.kv.value)),
    ['a', 'b', 'c', 'd'],
  );
  assert.equal(x.lastRevision, 8n);
  await x.cancel();
});

test('after a stream failure the watch resumes from lastRevision + 1 and drops what it already saw', async () => {
  const x = client.watch({ key: 'dup' });
  const values: string[] = [];
  const resumed: bigint[] = [];
  x.on('resumed', (info: { fromRevision: bigint }) => resumed.push(info.fromRevision));
  const reading = (async () => {
    for await (const r of x) values.push(...r.events.map((e) => str(e.kv.value)!));
  })();
  await waitFor('r7', () => (values.includes('r7') ? true : undefined));
  assert.deepEqual(values, ['r5', 'r6', 'r7']);
  assert.deepEqual(resumed, [7n]);
  assert.deepEqual(
    seen.creates.filter((c) => c.key === 'dup').map((c) => c.start),
    ['0', '7'],
  );
  await x.cancel();
  await reading;
});

test("etcd 3.4's progress response (watch id -1) reaches every watcher of the stream", async () => {
  const [x, y] = [client.watch({ key: 'p1' }), client.watch({ key: 'p2' })];
  await Promise.all([x.ready, y.ready]);
  x.requestProgress();
  for (const v of [x, y]) {
    const r = await v.next();
    assert.equal(r.value?.progress, true);
    assert.equal(r.value?.revision, 50n);
    // A broadcast does not prove this watcher caught up, so it does not move lastRevision.
    assert.equal(v.lastRevision, 4n);
  }
  await x.cancel();
  await y.cancel();
});
