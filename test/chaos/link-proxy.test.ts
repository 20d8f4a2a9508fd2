// The link proxy (store/chaos/link-proxy.ts) and the network of proxies
// (store/chaos/network.ts): bytes pass, a blocked link holds them and lets
// them through on heal, latency delays them in order, a lossy link stalls
// and resets, and in the network each direction of a pair is its own link.

import assert from 'node:assert/strict';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { LinkProxy } from '../../store/chaos/link-proxy.js';
import { LinkNetwork } from '../../store/chaos/network.js';

/** A server that echoes every byte back, on a free loopback port. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    s.on('error', () => undefined); // the loss test resets connections
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return { server, port: addr.port };
}

async function connect(port: number): Promise<Socket> {
  const s = createConnection({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  return s;
}

/** Resolves with the next `n` bytes read from `s`, or rejects after `timeoutMs`. */
function read(s: Socket, n: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (b: Buffer): void => {
      got += b.toString();
      if (got.length >= n) finish(() => resolve(got));
    };
    const finish = (fn: () => void): void => {
      clearTimeout(timer);
      s.off('data', onData);
      fn();
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`read ${got.length}/${n} bytes in ${timeoutMs} ms`))),
      timeoutMs,
    );
    s.on('data', onData);
  });
}

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function proxied(): Promise<{ proxy: LinkProxy; socket: Socket }> {
  const echo = await echoServer();
  cleanups.push(() => new Promise((r) => echo.server.close(r)));
  const proxy = new LinkProxy('127.0.0.1', echo.port, () => 0.5);
  const port = await proxy.listen();
  cleanups.push(() => proxy.close());
  const socket = await connect(port);
  cleanups.push(() => void socket.destroy());
  return { proxy, socket };
}

test('a healthy link passes bytes both ways', async () => {
  const { socket } = await proxied();
  socket.write('hello');
  assert.equal(await read(socket, 5, 2000), 'hello');
});

test('a cut link holds bytes (in flight and on new connections) and delivers them on heal', async () => {
  const { proxy, socket } = await proxied();
  proxy.set({ blocked: true });
  socket.write('during');
  await assert.rejects(read(socket, 6, 300), /read 0\/6/);
  // A connection opened into the partition goes nowhere either.
  const late = await connect(proxy.port);
  cleanups.push(() => void late.destroy());
  late.write('late');
  await assert.rejects(read(late, 4, 200), /read 0\/4/);
  proxy.heal();
  assert.equal(await read(socket, 6, 2000), 'during');
  assert.equal(await read(late, 4, 2000), 'late');
});

test('added latency delays every chunk (twice, there and back), in order', async () => {
  const { proxy, socket } = await proxied();
  proxy.set({ latencyMs: 150 });
  const t0 = performance.now();
  socket.write('a');
  socket.write('b');
  socket.write('c');
  assert.equal(await read(socket, 3, 3000), 'abc');
  const took = performance.now() - t0;
  assert.ok(took >= 290, `round trip took ${took.toFixed(0)} ms, expected ≥ 300`);
  proxy.heal();
  const t1 = performance.now();
  socket.write('d');
  assert.equal(await read(socket, 1, 2000), 'd');
  assert.ok(performance.now() - t1 < 150, 'latency gone after heal');
});

test('packet loss stalls chunks by the retransmission time, and a reset rate ends connections', async () => {
  const { proxy, socket } = await proxied();
  proxy.set({ lossRate: 1, retransmitMs: 120 }); // random() is 0.5 < 1: every chunk is "lost" once
  const t0 = performance.now();
  socket.write('x');
  assert.equal(await read(socket, 1, 3000), 'x');
  assert.ok(performance.now() - t0 >= 230, 'stalled on the way there and back');
  proxy.set({ lossRate: 0, resetRate: 1 });
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  socket.on('error', () => undefined);
  socket.write('y');
  await closed;
  assert.equal(proxy.counters.resets, 1);
});

test('the network: every direction of every pair is a link of its own, cut and healed alone', async () => {
  const a = await echoServer();
  const b = await echoServer();
  cleanups.push(() => new Promise((r) => a.server.close(r)));
  cleanups.push(() => new Promise((r) => b.server.close(r)));
  const net = await LinkNetwork.start(
    new Map([
      ['m1', a.port],
      ['m2', b.port],
    ]),
    7,
  );
  cleanups.push(() => net.close());
  assert.equal(net.overridesFor('m1'), `127.0.0.1:${b.port}=127.0.0.1:${net.port('m1', 'm2')}`);
  const oneToTwo = await connect(net.port('m1', 'm2'));
  const twoToOne = await connect(net.port('m2', 'm1'));
  cleanups.push(() => void oneToTwo.destroy());
  cleanups.push(() => void twoToOne.destroy());
  await net.block([['m1', 'm2']]);
  oneToTwo.write('cut');
  twoToOne.write('open');
  assert.equal(await read(twoToOne, 4, 2000), 'open');
  await assert.rejects(read(oneToTwo, 3, 300), /read 0\/3/);
  await net.heal();
  assert.equal(await read(oneToTwo, 3, 2000), 'cut');
  const counters = await net.counters();
  assert.equal(counters['accepted'], 2);
});
