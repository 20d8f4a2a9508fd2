// The client port's listener (authority-fix.ts) with a small echo service:
// clients with a valid :authority reach grpc-js on the socket itself; a
// client sending a URL as :authority (as etcd 3.4's does) is served
// through the rewriter; broken clients lose only their own connection.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { AuthorityFixingServer } from '../../../../store/server/grpc/authority-fix.js';
import { FrameFlag, FrameType, frame } from '../../../../store/server/grpc/h2-frames.js';
import { clientStart, grpcRequest, headersFrame, indexed, settingsAck } from './h2-bytes.js';

const echo: grpc.ServiceDefinition = {
  ping: {
    path: '/test.Echo/Ping',
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  },
};
const EchoClient = grpc.makeGenericClientConstructor(echo, 'Echo');

type Ping = (req: Buffer, cb: (err: grpc.ServiceError | null, res?: Buffer) => void) => void;

function ping(client: grpc.Client, text: string): Promise<string> {
  return new Promise((resolve, reject) =>
    (client as unknown as { ping: Ping }).ping(Buffer.from(text), (err, res) =>
      err ? reject(err) : resolve(res!.toString()),
    ),
  );
}

async function startEcho(): Promise<{ server: AuthorityFixingServer; port: number }> {
  const server = new AuthorityFixingServer();
  server.addService(echo, {
    ping: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) =>
      cb(null, call.request),
  });
  return { server, port: await server.listen('127.0.0.1', 0) };
}

/** Resolves when the server closes the socket; collects what it sent. */
function closed(socket: net.Socket): Promise<Buffer> {
  const got: Buffer[] = [];
  socket.on('data', (d: Buffer) => got.push(d));
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(got))));
}

/** All the server sent on the socket so far, whenever asked. */
function received(socket: net.Socket): () => Buffer {
  const got: Buffer[] = [];
  socket.on('data', (d: Buffer) => got.push(d));
  return () => Buffer.concat(got);
}

async function until(done: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function connect(port: number): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  // Later errors (a reset when the server closes) are expected; 'close' tells.
  s.on('error', () => undefined);
  return s;
}

describe('AuthorityFixingServer', () => {
  let server: AuthorityFixingServer;
  let port: number;
  before(async () => ({ server, port } = await startEcho()));
  after(() => server.forceShutdown());

  test('a grpc-js client with a valid authority gets the socket itself', async () => {
    const before = { ...server.handedOff };
    const client = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      for (let i = 0; i < 20; i++) assert.equal(await ping(client, `hello ${i}`), `hello ${i}`);
    } finally {
      client.close();
    }
    assert.deepEqual(server.handedOff, { direct: before.direct + 1, rewritten: before.rewritten });
  });

  test('a client sending a URL as authority is served through the rewriter', async () => {
    const before = { ...server.handedOff };
    // grpc-js's encoder (nghttp2's) Huffman-codes and indexes the authority: later calls refer to it.
    const client = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      'grpc.default_authority': `http://127.0.0.1:${port}`,
    });
    try {
      for (let i = 0; i < 20; i++) assert.equal(await ping(client, `url ${i}`), `url ${i}`);
      // Beyond the initial flow-control windows, both ways.
      const big = 'b'.repeat(1_000_000);
      assert.equal(await ping(client, big), big);
      // Large metadata: header blocks beyond one frame once re-encoded.
      const md = new grpc.Metadata();
      for (let i = 0; i < 10; i++) md.set(`x-big-${i}`, 'v'.repeat(2000));
      await new Promise<void>((resolve, reject) =>
        (
          client as unknown as {
            ping: (r: Buffer, m: grpc.Metadata, cb: (e: unknown) => void) => void;
          }
        ).ping(Buffer.from('big'), md, (e) => (e ? reject(e as Error) : resolve())),
      );
    } finally {
      client.close();
    }
    assert.deepEqual(server.handedOff, { direct: before.direct, rewritten: before.rewritten + 1 });
  });

  test('a malformed header block closes that connection only', async () => {
    const socket = await connect(port);
    const gone = closed(socket);
    socket.write(Buffer.concat([clientStart(), settingsAck]));
    socket.write(headersFrame(1, grpcRequest(`http://127.0.0.1:${port}`)));
    // Index 99 is in neither table.
    socket.write(headersFrame(3, Buffer.concat([indexed(3), indexed(99)])));
    await gone;
    const client = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      assert.equal(await ping(client, 'still here'), 'still here');
    } finally {
      client.close();
    }
  });

  test('a broken first request goes to the server, which refuses it as before', async () => {
    const socket = await connect(port);
    const got = received(socket);
    socket.write(Buffer.concat([clientStart(), settingsAck, headersFrame(1, indexed(99))]));
    // GOAWAY, last stream 1, COMPRESSION_ERROR (9): what grpc-js's own listener answers.
    const goaway = frame(FrameType.goaway, 0, 0, Buffer.from([0, 0, 0, 1, 0, 0, 0, 9]));
    await until(() => got().includes(goaway), 'a GOAWAY');
    socket.destroy();
  });

  test('PINGs before the first request are answered', async () => {
    const socket = await connect(port);
    const got = received(socket);
    socket.write(
      Buffer.concat([clientStart(), frame(FrameType.ping, 0, 0, Buffer.from('abcdefgh'))]),
    );
    const ack = frame(FrameType.ping, FrameFlag.ack, 0, Buffer.from('abcdefgh'));
    await until(() => got().includes(ack), 'a PING ACK');
    socket.destroy();
  });
});

describe('listening and shutting down', () => {
  test('a port in use is reported as bindAsync reported it', async () => {
    const { server, port } = await startEcho();
    const second = new AuthorityFixingServer();
    try {
      await assert.rejects(
        second.listen('127.0.0.1', port),
        /No address added out of total 1 resolved errors: \[listen EADDRINUSE/,
      );
    } finally {
      server.forceShutdown();
      second.forceShutdown();
    }
  });

  test('forceShutdown closes the listener and connections not yet handed over', async () => {
    const { server, port } = await startEcho();
    const looking = await connect(port);
    const gone = closed(looking);
    looking.write(clientStart());
    server.forceShutdown();
    await gone;
    await assert.rejects(connect(port), /ECONNREFUSED/);
  });

  test('tryShutdown completes, with a rewritten connection open', async () => {
    const { server, port } = await startEcho();
    const client = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      'grpc.default_authority': `http://127.0.0.1:${port}`,
    });
    assert.equal(await ping(client, 'x'), 'x');
    await new Promise<void>((resolve, reject) =>
      server.tryShutdown((e) => (e ? reject(e) : resolve())),
    );
    client.close();
  });
});
