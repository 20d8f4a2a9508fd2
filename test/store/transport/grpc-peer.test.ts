// What only the gRPC transport has: flow control from a peer that stops
// reading, moving a peer to a new address, peer url rules, and a process
// that exits by itself once the transports are closed.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';

import { peerUrlToTarget } from '../../../store/transport/grpc-config.js';
import { peerService } from '../../../store/transport/peer-proto.js';
import { createPeerServer } from '../../../store/transport/peer-service.js';
import { app } from './fixtures.js';
import { grpcHarness } from './grpc-harness.js';
import { waitFor, type Harness } from './harness.js';

/** A peer that accepts the stream and then never reads from it. */
async function stalledPeer(): Promise<{ server: grpc.Server; url: string }> {
  const { server, port } = await createPeerServer('127.0.0.1:0');
  server.addService(peerService, {
    Stream: (call: grpc.ServerReadableStream<unknown, unknown>) => {
      call.sendMetadata(new grpc.Metadata());
      call.pause();
    },
    SendSnapshot: () => {},
    Members: () => {},
  });
  return { server, url: `http://127.0.0.1:${port}` };
}

describe('GrpcTransport over sockets', () => {
  let h: Harness;
  before(() => {
    h = grpcHarness();
  });
  after(async () => {
    await h.close();
  });

  it('keeps sending to others while a peer stops reading; its queue fills and drops', async () => {
    const a = await h.node(1n, { limits: { maxPeerQueueMessages: 256 } });
    const c = await h.node(3n);
    const stalled = await stalledPeer();
    a.transport.addPeer(2n, [stalled.url]);
    a.transport.addPeer(c.id, [c.url]);
    c.transport.addPeer(a.id, [a.url]);
    const entry = { term: 1, index: 1, type: 0, data: new Uint8Array(16 * 1024) };
    let sent = 0;
    try {
      for (let i = 0; a.transport.stats().droppedQueueFull === 0; i++) {
        assert.ok(i < 2000, 'the stalled peer never pushed back');
        a.transport.send([app(a.id, 2n, i, { entries: [entry] }), app(a.id, c.id, i)]);
        sent++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await waitFor(() => a.rec.unreachable.includes(2n), 'onUnreachable for the stalled peer');
      await waitFor(() => c.rec.messages.length === sent, 'every message to the healthy peer');
    } finally {
      stalled.server.forceShutdown();
    }
  });

  it('follows a peer to a new address with updatePeer', async () => {
    const a = await h.node(11n);
    const b = await h.node(12n);
    a.transport.addPeer(b.id, ['http://127.0.0.1:1']); // nothing listens on port 1
    b.transport.addPeer(a.id, [a.url]);
    a.transport.send([app(a.id, b.id, 1)]);
    await waitFor(() => a.rec.unreachable.includes(b.id), 'the wrong address to fail');
    a.transport.updatePeer(b.id, [b.url]);
    let i = 2;
    await waitFor(() => {
      a.transport.send([app(a.id, b.id, i++)]);
      return b.rec.messages.length > 0;
    }, 'delivery at the new address');
  });

  it('accepts http:// peer urls only, and says why', () => {
    assert.equal(peerUrlToTarget('http://127.0.0.1:2380'), '127.0.0.1:2380');
    assert.equal(peerUrlToTarget('http://[::1]:2380'), '[::1]:2380');
    assert.throws(
      () => peerUrlToTarget('https://127.0.0.1:2380'),
      /TLS between peers is not supported yet/,
    );
    assert.throws(() => peerUrlToTarget('unix:///tmp/x'), /scheme must be http/);
    assert.throws(() => peerUrlToTarget('http://127.0.0.1'), /port is required/);
    assert.throws(() => peerUrlToTarget('127.0.0.1:2380'), /not a URL|scheme/);
  });

  it('refuses a bad peer url when the peer is added', async () => {
    const a = await h.node(21n);
    assert.throws(() => a.transport.addPeer(22n, ['https://127.0.0.1:2380']), /TLS/);
    assert.throws(() => a.transport.addPeer(23n, []), /no urls/);
  });
});

describe('closing', () => {
  it('leaves nothing running: a process that used transports exits by itself', () => {
    const script = fileURLToPath(new URL('./close-exits.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.signal, null, `the process had to be killed: ${r.stdout}${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /closed/);
  });
});
