// node --import tsx test/bench/transport-bench.ts [--seconds S] [--transport grpc|memory]
//                                                [--sizes 0,256,1024,16384] [--per-send N] [--snapshot-mib M]
// node --import tsx test/bench/transport-bench.ts --codec
//
// --codec: the measurement behind store/transport/wire-codec.ts: encode +
// decode of one Batch of 64 messages, raft messages as typed proto fields
// (a throw-away TypedBatch proto importing capstan/raft.proto) against the
// msgpack payload we use; both including our conversions and range checks.
//
// Two transports in one process on 127.0.0.1: member 1 streams MsgApp
// messages (one entry of each size) to member 2 for S seconds per size and
// prints messages/s and entry MB/s as received, then times one snapshot
// transfer. The sender keeps at most `window` messages unreceived, as Raft's
// flow control would (maxInflightMessages), so the numbers measure the
// transport and not its drop policy; drops are printed anyway.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

import { EntryType, MessageType, newMessage, type Message } from '../../store/raft/types.js';
import { GrpcTransport } from '../../store/transport/grpc-transport.js';
import { MemoryNetwork } from '../../store/transport/memory-transport.js';
import { streamMethod, type WireMessage } from '../../store/transport/peer-proto.js';
import { createPeerServer, registerPeerService } from '../../store/transport/peer-service.js';
import { messageFromWire, messageToWire } from '../../store/transport/proto-codec.js';
import type { Transport, TransportHandlers } from '../../store/transport/transport.js';
import { decodePayload, encodeMessage, joinEncoded } from '../../store/transport/wire-codec.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    transport: { type: 'string', default: 'grpc' },
    sizes: { type: 'string', default: '0,256,1024,16384' },
    'per-send': { type: 'string', default: '64' },
    window: { type: 'string', default: '2048' },
    'snapshot-mib': { type: 'string', default: '64' },
    codec: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const sizes = values.sizes.split(',').map(Number);
const perSend = Number(values['per-send']);
const window = Number(values.window);
const snapshotMiB = Number(values['snapshot-mib']);

let sent = 0;
let received = 0;
let receivedBytes = 0;
let snapshotDone: ((ok: boolean) => void) | undefined;

function handlers(): TransportHandlers {
  return {
    onMessages(msgs) {
      received += msgs.length;
      for (const m of msgs) for (const e of m.entries) receivedBytes += e.data.length;
    },
    onSnapshot() {
      return Promise.resolve();
    },
    onUnreachable() {},
    onSnapshotStatus(_id, ok) {
      snapshotDone?.(ok);
    },
  };
}

async function pair(): Promise<{ a: Transport; b: Transport; stop(): Promise<void> }> {
  const clusterId = 1n;
  if (values.transport === 'memory') {
    const net = new MemoryNetwork();
    const a = net.createTransport({ id: 1n, clusterId, handlers: handlers() });
    const b = net.createTransport({ id: 2n, clusterId, handlers: handlers() });
    a.addPeer(2n, b.urls);
    b.addPeer(1n, a.urls);
    return { a, b, stop: async () => void (await Promise.all([a.close(), b.close()])) };
  }
  const sa = await createPeerServer('127.0.0.1:0');
  const sb = await createPeerServer('127.0.0.1:0');
  const a = new GrpcTransport({ id: 1n, clusterId, handlers: handlers() });
  const b = new GrpcTransport({ id: 2n, clusterId, handlers: handlers() });
  registerPeerService(sa.server, a);
  registerPeerService(sb.server, b);
  a.addPeer(2n, [`http://127.0.0.1:${sb.port}`]);
  b.addPeer(1n, [`http://127.0.0.1:${sa.port}`]);
  return {
    a,
    b,
    async stop() {
      await Promise.all([a.close(), b.close()]);
      sa.server.forceShutdown();
      sb.server.forceShutdown();
    },
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function stream(a: Transport, size: number): Promise<string> {
  const data = new Uint8Array(size).fill(1);
  const batch: Message[] = Array.from({ length: perSend }, (_, i) =>
    newMessage({
      type: MessageType.App,
      from: 1n,
      to: 2n,
      term: 1,
      logTerm: 1,
      index: i,
      entries: [{ term: 1, index: i + 1, type: EntryType.Normal, data }],
    }),
  );
  const received0 = received;
  const bytes0 = receivedBytes;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    // In flight counts across runs: what the previous size left unreceived still occupies the queue.
    if (sent - received < window) {
      a.send(batch);
      sent += batch.length;
    }
    await turn();
  }
  const secs = (performance.now() - t0) / 1000;
  const msgs = (received - received0) / secs;
  const mb = (receivedBytes - bytes0) / secs / 1e6;
  return `| ${size} | ${Math.round(msgs).toLocaleString('en')} | ${mb.toFixed(1)} |`;
}

async function snapshot(a: Transport): Promise<string> {
  const total = snapshotMiB * 1024 * 1024;
  const piece = new Uint8Array(256 * 1024).fill(3);
  async function* data(): AsyncGenerator<Uint8Array> {
    for (let off = 0; off < total; off += piece.length) yield piece;
  }
  const msg = newMessage({
    type: MessageType.Snap,
    from: 1n,
    to: 2n,
    term: 1,
    snapshot: {
      metadata: { index: 1, term: 1, confState: { voters: [1n, 2n], learners: [] } },
      data: new Uint8Array(),
    },
  });
  const t0 = performance.now();
  const ok = await new Promise<boolean>((resolve) => {
    snapshotDone = resolve;
    a.sendSnapshot(msg, data);
  });
  const secs = (performance.now() - t0) / 1000;
  return `snapshot ${snapshotMiB} MiB: ${ok ? 'ok' : 'FAILED'} in ${(secs * 1000).toFixed(0)} ms = ${(total / secs / 1e6).toFixed(0)} MB/s`;
}

interface TypedBatch {
  clusterId: string;
  from: string;
  messages: WireMessage[];
}

function typedBatchMethod(): MethodDefinition<TypedBatch, TypedBatch> {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-codec-'));
  const file = join(dir, 'typed-batch.proto');
  writeFileSync(
    file,
    `syntax = "proto3"; package benchonly; import "capstan/raft.proto";
     message TypedBatch { uint64 cluster_id = 1; uint64 from = 2; repeated capstanraft.Message messages = 3; }
     service Bench { rpc Typed(TypedBatch) returns (TypedBatch); }`,
  );
  const protoDir = fileURLToPath(new URL('../../proto', import.meta.url));
  const def = loadSync(file, {
    includeDirs: [protoDir],
    longs: String,
    enums: Number,
    defaults: true,
  });
  rmSync(dir, { recursive: true });
  return (def['benchonly.Bench'] as ServiceDefinition)['Typed'] as MethodDefinition<
    TypedBatch,
    TypedBatch
  >;
}

function timeUs(iterations: number, fn: () => void): number {
  for (let i = 0; i < iterations / 10; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return ((performance.now() - t0) * 1000) / iterations;
}

function codecComparison(): void {
  const typed = typedBatchMethod();
  const from = 12345678901234567890n;
  const to = (1n << 64n) - 1n;
  const cases: [string, number, number][] = [
    ['64 MsgApp x 1 entry of 1 KiB', 1, 1024],
    ['64 MsgApp x 4 entries of 1 KiB', 4, 1024],
    ['64 MsgHeartbeat', 0, 0],
  ];
  console.log('| batch | encoding | bytes | encode µs | decode µs | msgs/s (enc+dec) |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const [label, entries, size] of cases) {
    const msgs = Array.from({ length: 64 }, (_, i) =>
      newMessage({
        type: entries ? MessageType.App : MessageType.Heartbeat,
        from,
        to,
        term: 7,
        logTerm: 7,
        index: 1000 + i,
        commit: 999,
        entries: Array.from({ length: entries }, (_, k) => ({
          term: 7,
          index: 1001 + i + k,
          type: EntryType.Normal,
          data: new Uint8Array(size).fill(i),
        })),
      }),
    );
    const encTyped = (): Buffer =>
      typed.requestSerialize({
        clusterId: '1',
        from: from.toString(),
        messages: msgs.map(messageToWire),
      });
    const encPacked = (): Buffer => {
      const enc = msgs.map(encodeMessage);
      const payload = joinEncoded(
        enc,
        enc.reduce((n, e) => n + e.length, 0),
      );
      return streamMethod.requestSerialize({ clusterId: '1', from: from.toString(), payload });
    };
    const rows: [string, () => Buffer, (b: Buffer) => unknown][] = [
      ['typed proto', encTyped, (b) => typed.requestDeserialize(b).messages.map(messageFromWire)],
      [
        'msgpack payload',
        encPacked,
        (b) => decodePayload(streamMethod.requestDeserialize(b).payload, from, to),
      ],
    ];
    for (const [name, enc, dec] of rows) {
      const buf = enc();
      const e = timeUs(2000, enc);
      const d = timeUs(2000, () => dec(buf));
      const rate = Math.round((64 * 1e6) / (e + d)).toLocaleString('en');
      console.log(
        `| ${label} | ${name} | ${buf.length} | ${e.toFixed(0)} | ${d.toFixed(0)} | ${rate} |`,
      );
    }
  }
  console.log('command: node --import tsx test/bench/transport-bench.ts --codec');
}

if (values.codec) {
  codecComparison();
  process.exit(0);
}

const { a, stop } = await pair();
// Warm up: connect and let the JIT see the paths.
await stream(a, 16);
console.log(
  `transport-bench: ${values.transport}, ${seconds} s per size, ${perSend} msgs per send(), window ${window}`,
);
console.log('| entry bytes | msgs/s | entry MB/s |');
console.log('| ---: | ---: | ---: |');
for (const size of sizes) console.log(await stream(a, size));
console.log(await snapshot(a));
const s = a.stats();
console.log(
  `drops: queue full ${s.droppedQueueFull}, peer down ${s.droppedPeerDown}; batches ${s.sentBatches} for ${s.sentMessages} msgs`,
);
console.log(
  `command: node --import tsx test/bench/transport-bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
);
await stop();
