// The Watch service with its limits turned down, on an in-process replica:
// progress notifications on a short interval, a client that stops reading
// (its watchers fall behind and catch up without a gap while another
// stream is served at once), malformed requests, and learners.

import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApiContext } from '../../../../../store/server/api/context.js';
import { createWatchService } from '../../../../../store/server/api/watch/index.js';
import { createLogger } from '../../../../../store/server/logger.js';
import {
  b,
  eventText,
  startSingle,
  startWatchServer,
  WatchStream,
  type Resp,
  type Single,
} from './fixture.js';

let s: Single;
let server: Awaited<ReturnType<typeof startWatchServer>>;
before(async () => {
  s = await startSingle();
  server = await startWatchServer(s.replica, {
    limits: { progressNotifyIntervalMs: 200, streamQueueBytesMax: 16 * 1024 },
  });
});
after(async () => {
  server?.close();
  await s?.close();
});

async function put(key: string, value: string): Promise<number> {
  const r = await s.kv.put({ key: b(key), value: b(value) });
  return Number(r.header?.revision);
}

test('progress_notify: an idle watcher that asked is told the revision every interval; one that got events meanwhile is not', async () => {
  const ws = new WatchStream(server.endpoint);
  try {
    ws.create({ key: b('pn'), progress_notify: true });
    ws.create({ key: b('other'), progress_notify: false });
    await ws.count(2);
    const now = await put('unrelated', '1');
    const rs = await ws.until(
      (rs) => rs.filter((r) => r.watch_id === '0' && !r.created).length >= 2,
      'two progress notifications',
      3000,
    );
    const notes = rs.filter((r) => r.watch_id === '0' && !r.created);
    for (const n of notes) {
      assert.equal(n.events.length, 0);
      assert.ok(Number(n.header?.revision) >= now, `header ${n.header?.revision} ≥ ${now}`);
    }
    assert.equal(rs.filter((r) => r.watch_id === '1').length, 1, 'only created for the other');
  } finally {
    ws.close();
  }
});

test('a client that stops reading: its watchers catch up without a gap once it reads again; another stream keeps getting every event at once', async () => {
  const slow = new WatchStream(server.endpoint);
  const fast = new WatchStream(server.endpoint);
  try {
    slow.create({ key: b('sl/'), range_end: b('sl0') });
    slow.create({ key: b('sl/'), range_end: b('sl0'), prev_kv: true });
    fast.create({ key: b('sl/'), range_end: b('sl0') });
    await slow.count(2);
    await fast.count(1);
    (slow as unknown as { call: grpc.ClientDuplexStream<unknown, unknown> }).call.pause();
    const value = 'x'.repeat(2000);
    const revs: number[] = [];
    let worstMs = 0;
    for (let i = 0; i < 300; i++) {
      const started = Date.now();
      const r = await put(`sl/${i % 20}`, value);
      revs.push(r);
      await fast.until(
        (rs) => rs.some((x) => x.events.some((e) => Number(e.kv?.mod_revision) === r)),
        `event ${r} on the fast stream`,
      );
      worstMs = Math.max(worstMs, Date.now() - started);
    }
    assert.ok(worstMs < 1000, `the fast stream waited ${worstMs} ms for an event`);
    assert.equal(server.hub.stats().unsynced, 2, 'the slow stream’s watchers fell behind');
    (slow as unknown as { call: grpc.ClientDuplexStream<unknown, unknown> }).call.resume();
    const last = revs.at(-1)!;
    const got = (rs: Resp[], id: string) =>
      rs.filter((r) => r.watch_id === id).flatMap((r) => r.events);
    await slow.until(
      (rs) =>
        ['0', '1'].every((id) => got(rs, id).some((e) => Number(e.kv?.mod_revision) === last)),
      'the slow stream catching up',
      15_000,
    );
    for (const id of ['0', '1']) {
      const evs = got(slow.responses, id);
      assert.deepEqual(
        evs.map((e) => Number(e.kv?.mod_revision)),
        revs,
        `watcher ${id}: every revision once, in order`,
      );
      if (id === '1') {
        for (const e of evs.slice(20)) assert.equal(e.prev_kv?.value.length, 2000, eventText(e));
      }
    }
    let header = 0;
    for (const r of slow.responses) {
      assert.ok(Number(r.header?.revision) >= header, 'headers never go back');
      header = Number(r.header?.revision);
    }
  } finally {
    slow.close();
    fast.close();
  }
});

test('a request that does not decode ends that stream with etcd’s status; the server serves the next one', async () => {
  const client = new grpc.Client(s.endpoint, grpc.credentials.createInsecure());
  try {
    const call = client.makeBidiStreamRequest(
      '/etcdserverpb.Watch/Watch',
      (x: Buffer) => x,
      (x: Buffer) => x,
    );
    const failed = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
    call.on('data', () => undefined);
    call.write(Buffer.from([0x0a, 0x7f, 0x0a])); // a create_request claiming 127 bytes
    const err = await failed;
    assert.equal(err.code, grpc.status.INTERNAL);
    assert.equal(err.details, 'grpc: error unmarshalling request: unexpected EOF');
  } finally {
    client.close();
  }
  const ws = new WatchStream(s.endpoint);
  try {
    ws.create({ key: b('after') });
    await ws.count(1);
  } finally {
    ws.close();
  }
});

test('a learner refuses the stream as etcd 3.4 does', () => {
  const ctx = {
    cfg: { maxRequestBytes: 1024 },
    log: createLogger('silent', {}),
    node: { raft: { isLearner: true } },
    mvcc: { currentRevision: () => 1 },
    subscribe: () => () => undefined,
  } as unknown as ApiContext;
  const service = createWatchService(ctx);
  let error: (Error & { code?: number; details?: string }) | undefined;
  service.handlers.Watch({
    emit: (_event: string, e: Error) => (error = e),
  } as never);
  service.hub.close();
  assert.equal(error?.code, grpc.status.UNAVAILABLE);
  assert.equal(error?.details, 'etcdserver: rpc not supported for learner');
});
