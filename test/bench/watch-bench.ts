// npm run bench:watch -- [--cases 1000@100,10000@10] [--seconds 10] [--streams 10]
//                        [--targets capstan,etcd] [--drain-ms 10000] [--endpoints h:p,...]
//
// Watch fan-out against three-member capstan and three-member real etcd 3.4
// (when installed), one after the other, in one run. A case W@R: W watchers
// on one prefix, spread round-robin over --streams bidirectional Watch
// streams (one gRPC channel each, channels round-robin over the members);
// once all are created, one writer puts a new key under the prefix every
// 1/R s to the leader for --seconds (open loop, not waiting for answers).
// Every watcher should see every put: W x puts events.
//
// Per event: delivery latency from the put's acknowledgement to its arrival
// (0 when it arrives before the acknowledgement, etcd's own benchmark's
// convention) and from the moment the put was sent. events/s counts events
// received between the first put and the last event. The client decodes
// only what it needs (the events' keys) so it stays cheaper than the
// servers; its CPU is printed (100% = one core: then it is the limit).

import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { etcdClient, type EtcdClient } from '../../store/client/etcd-client.js';
import { TestCluster } from '../integration/harness.js';
import { findOnPath } from '../store/server/grpc/etcdctl.js';
import { RealEtcdCluster } from '../store/server/grpc/real-etcd.js';
import { clientProtos } from '../../store/server/grpc/protos.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000@100,10000@10' },
    seconds: { type: 'string', default: '10' },
    streams: { type: 'string', default: '10' },
    targets: { type: 'string', default: 'capstan,etcd' },
    'drain-ms': { type: 'string', default: '10000' },
    /** Measure a server already running instead (host:port,...). */
    endpoints: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const streams = Number(values.streams);
const drainMs = Number(values['drain-ms']);
const cases = values.cases.split(',').map((c) => {
  const [w, r] = c.split('@').map(Number);
  return { watchers: w!, putRate: r! };
});

interface Target {
  name: string;
  endpoints: string[];
  stop(): Promise<void>;
}

// Both run with etcd's default timing.
const timing = { heartbeatIntervalMs: 100, electionTimeoutMs: 1000 };

async function startTarget(name: string): Promise<Target | undefined> {
  if (values.endpoints !== undefined) {
    return { name, endpoints: values.endpoints.split(','), stop: async () => undefined };
  }
  if (name === 'capstan') {
    const c = await TestCluster.start({ replicas: 3, ...timing });
    return { name, endpoints: c.names().map((n) => c.endpoint(n)), stop: () => c.close() };
  }
  const etcd = findOnPath('etcd');
  const etcdctl = findOnPath('etcdctl');
  if (etcd === undefined || etcdctl === undefined) return undefined;
  const c = await RealEtcdCluster.start(etcd, etcdctl, { names: ['m1', 'm2', 'm3'], ...timing });
  return { name: 'etcd 3.4', endpoints: c.members.map((m) => m.endpoint), stop: () => c.stop() };
}

// ---- a minimal WatchResponse reader: the keys of the events, nothing else ----

function varint(buf: Buffer, pos: number): [number, number] {
  let value = 0;
  let shift = 1;
  for (;;) {
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * shift;
    if (byte < 0x80) return [value, pos];
    shift *= 128;
  }
}

/** Calls `field(number, start, end)` for each length-delimited field of a message; skips varints. */
function fields(
  buf: Buffer,
  start: number,
  end: number,
  field: (n: number, s: number, e: number) => void,
): void {
  let pos = start;
  while (pos < end) {
    let tag: number;
    [tag, pos] = varint(buf, pos);
    const wireType = tag & 7;
    if (wireType === 0) [, pos] = varint(buf, pos);
    else if (wireType === 2) {
      let len: number;
      [len, pos] = varint(buf, pos);
      field(tag >>> 3, pos, pos + len);
      pos += len;
    } else throw new Error(`unexpected wire type ${wireType}`);
  }
}

function eventKeys(buf: Buffer, out: (key: string) => void): void {
  fields(buf, 0, buf.length, (n, s, e) => {
    if (n !== 11) return; // events
    fields(buf, s, e, (n2, s2, e2) => {
      if (n2 !== 2) return; // kv
      fields(buf, s2, e2, (n3, s3, e3) => {
        if (n3 === 1) out(buf.toString('latin1', s3, e3)); // key
      });
    });
  });
}

function isCreated(buf: Buffer): boolean {
  // created = field 3, varint 1: the bytes 0x18 0x01 appear only there in a response without events.
  for (let i = 0; i + 1 < buf.length; i++) if (buf[i] === 0x18 && buf[i + 1] === 1) return true;
  return false;
}

// ---- one case ----

interface Result {
  target: string;
  watchers: number;
  putRate: number;
  puts: number;
  expected: number;
  received: number;
  eventsPerSecond: number;
  ackP50: number;
  ackP99: number;
  sendP99: number;
  max: number;
  putP99: number;
  clientCpu: number;
  /** The whole machine's busy CPU (100 = one core): servers, this client and anything else. */
  hostCpu: number;
}

/** Busy and total jiffies of the whole machine (Linux /proc/stat); zeros elsewhere. */
function hostTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const cpu = line.trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.reduce((a, b) => a + b, 0);
    return { busy: total - cpu[3]! - (cpu[4] ?? 0), total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function leaderOf(target: Target): Promise<EtcdClient> {
  for (let attempt = 0; attempt < 100; attempt++) {
    for (const ep of target.endpoints) {
      const c = etcdClient(ep);
      try {
        const s = await c.status({}, 1000);
        if (s.leader === s.header?.member_id) return c;
      } catch {
        // not ready
      }
      c.close();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${target.name}: no leader`);
}

async function runCase(
  target: Target,
  watchers: number,
  putRate: number,
  id: number,
): Promise<Result> {
  const prefix = `bench/${id}/`;
  const puts = Math.round(seconds * putRate);
  const sentAt = new Float64Array(puts);
  const ackAt = new Float64Array(puts).fill(Number.NaN);
  const arrivals: number[][] = Array.from({ length: puts }, () => []);
  const clients: grpc.Client[] = [];
  const calls: grpc.ClientDuplexStream<Buffer, Buffer>[] = [];
  let created = 0;
  let received = 0;
  let lastArrival = 0;
  const watchMethod = clientProtos().WatchService['Watch']!;
  const createRequest = watchMethod.requestSerialize({
    create_request: { key: Buffer.from(prefix), range_end: Buffer.from(prefix.slice(0, -1) + '0') },
  });
  for (let i = 0; i < streams; i++) {
    const client = new grpc.Client(
      target.endpoints[i % target.endpoints.length]!,
      grpc.credentials.createInsecure(),
      {
        'grpc.max_receive_message_length': 2 ** 31 - 1,
      },
    );
    clients.push(client);
    const call = client.makeBidiStreamRequest<Buffer, Buffer>(
      '/etcdserverpb.Watch/Watch',
      (b) => b,
      (b) => b,
    );
    call.on('error', () => undefined);
    call.on('data', (buf: Buffer) => {
      let any = false;
      eventKeys(buf, (key) => {
        any = true;
        const now = performance.now();
        const seq = Number(key.slice(prefix.length));
        arrivals[seq]?.push(now);
        received++;
        lastArrival = now;
      });
      if (!any && isCreated(buf)) created++;
    });
    calls.push(call);
  }
  for (let w = 0; w < watchers; w++) calls[w % streams]!.write(createRequest);
  const createDeadline = Date.now() + 60_000;
  while (created < watchers) {
    if (Date.now() > createDeadline)
      throw new Error(`${target.name}: ${created}/${watchers} watchers created`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const writer = await leaderOf(target);
  const cpu0 = process.cpuUsage();
  const host0 = hostTicks();
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < puts; i++) {
    const due = t0 + (i * 1000) / putRate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    sentAt[i] = performance.now();
    pending.push(
      writer.put({ key: Buffer.from(`${prefix}${i}`), value: Buffer.alloc(256, 120) }, 10_000).then(
        () => void (ackAt[i] = performance.now()),
        () => undefined,
      ),
    );
  }
  await Promise.all(pending);
  const expected = puts * watchers;
  const drainUntil = performance.now() + drainMs;
  while (received < expected && performance.now() < drainUntil)
    await new Promise((r) => setTimeout(r, 20));
  const cpu = process.cpuUsage(cpu0);
  const host1 = hostTicks();
  const wall = lastArrival - t0;
  for (const c of calls) c.cancel();
  for (const c of clients) c.close();
  writer.close();
  const fromAck: number[] = [];
  const fromSend: number[] = [];
  for (let i = 0; i < puts; i++) {
    for (const t of arrivals[i]!) {
      fromSend.push(t - sentAt[i]!);
      fromAck.push(Number.isNaN(ackAt[i]!) ? t - sentAt[i]! : Math.max(0, t - ackAt[i]!));
    }
  }
  const ack = Float64Array.from(fromAck).sort();
  const send = Float64Array.from(fromSend).sort();
  const putLatency = Float64Array.from(
    Array.from(ackAt, (a, i) => a - sentAt[i]!).filter((x) => !Number.isNaN(x)),
  ).sort();
  return {
    target: target.name,
    watchers,
    putRate,
    puts,
    expected,
    received,
    eventsPerSecond: received / (wall / 1000),
    ackP50: quantile(ack, 0.5),
    ackP99: quantile(ack, 0.99),
    sendP99: quantile(send, 0.99),
    max: ack.length > 0 ? ack[ack.length - 1]! : Number.NaN,
    putP99: quantile(putLatency, 0.99),
    clientCpu: ((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 100,
    hostCpu:
      host1.total > host0.total
        ? ((host1.busy - host0.busy) / (host1.total - host0.total)) * 100 * cpus().length
        : Number.NaN,
  };
}

const ms = (x: number) => (Number.isNaN(x) ? '-' : x < 10 ? x.toFixed(2) : x.toFixed(0));

async function main(): Promise<void> {
  const results: Result[] = [];
  let id = 0;
  for (const name of values.targets.split(',')) {
    const target = await startTarget(name);
    if (target === undefined) {
      console.error(`${name}: not installed, skipped`);
      continue;
    }
    try {
      for (const c of cases) {
        const r = await runCase(target, c.watchers, c.putRate, id++);
        results.push(r);
        console.error(
          `${r.target} ${r.watchers}@${r.putRate}: ${r.received}/${r.expected} events, p99 ${ms(r.ackP99)} ms`,
        );
      }
    } finally {
      await target.stop();
    }
  }
  console.log(
    `watch fan-out: 3 members each, ${streams} streams, puts of 256 bytes for ${seconds} s; ` +
      `${cpus().length} cores (CPU % 100 = one core)`,
  );
  console.log(
    '| target | watchers | puts/s | events received / expected | events/s | p50 ms | p99 ms | p99 from send ms | max ms | put p99 ms | client CPU % | host CPU % |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    console.log(
      `| ${r.target} | ${r.watchers.toLocaleString('en')} | ${r.putRate} | ${r.received.toLocaleString('en')} / ${r.expected.toLocaleString('en')} | ${Math.round(r.eventsPerSecond).toLocaleString('en')} | ${ms(r.ackP50)} | ${ms(r.ackP99)} | ${ms(r.sendP99)} | ${ms(r.max)} | ${ms(r.putP99)} | ${Math.round(r.clientCpu)} | ${Math.round(r.hostCpu)} |`,
    );
  }
  console.log(
    `node ${process.version}; command: npm run bench:watch -- --cases ${values.cases} --seconds ${seconds} --streams ${streams} --targets ${values.targets}`,
  );
}

await main();
