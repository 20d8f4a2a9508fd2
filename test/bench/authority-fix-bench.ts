// node --import tsx test/bench/authority-fix-bench.ts [--calls N] [--rounds R] [--connects C]
//
// What store/server/grpc/authority-fix.ts costs a client: one grpc-js
// client in this process makes N sequential unary calls (a small echo, the
// size of a Range) against
//   bindAsync   grpc-js listening itself (as before authority-fix)
//   direct      AuthorityFixingServer, a client with a valid :authority
//               (the socket goes to grpc-js as it is)
//   rewritten   AuthorityFixingServer, a client sending a URL as
//               :authority, as etcd 3.4's does (through the rewriter)
// Rounds interleave the three so machine noise hits each alike; the table
// gives each one's median round. Connection set-up is timed apart: the
// first call of a new client (connect, the first look, one call), median
// of C clients per round. CPU µs per call (client and server together,
// this process) is the figure least moved by other load on the machine.

import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { AuthorityFixingServer } from '../../store/server/grpc/authority-fix.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '5' },
    connects: { type: 'string', default: '200' },
  },
});
const calls = Number(values.calls);
const rounds = Number(values.rounds);
const connects = Number(values.connects);
const warmUpCalls = 200;

const bytes = {
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
};
const service: grpc.ServiceDefinition = {
  range: { path: '/bench.KV/Range', requestStream: false, responseStream: false, ...bytes },
};
const Client = grpc.makeGenericClientConstructor(service, 'KV');
const request = Buffer.alloc(40, 1);
const response = Buffer.alloc(120, 2);

type Kind = 'bindAsync' | 'direct' | 'rewritten';
const kinds: Kind[] = ['bindAsync', 'direct', 'rewritten'];

async function start(kind: Kind): Promise<{ server: grpc.Server; port: number }> {
  const server = kind === 'bindAsync' ? new grpc.Server() : new AuthorityFixingServer();
  server.addService(service, {
    range: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, response),
  });
  if (server instanceof AuthorityFixingServer) {
    return { server, port: await server.listen('127.0.0.1', 0) };
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { server, port };
}

type Call = (req: Buffer, cb: (err: Error | null) => void) => void;

function newClient(kind: Kind, port: number): { client: grpc.Client; one: () => Promise<void> } {
  const options =
    kind === 'rewritten' ? { 'grpc.default_authority': `http://127.0.0.1:${port}` } : {};
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options);
  const range = (client as unknown as { range: Call }).range.bind(client);
  const one = () => new Promise<void>((res, rej) => range(request, (e) => (e ? rej(e) : res())));
  return { client, one };
}

interface Round {
  perSecond: number;
  p50Us: number;
  p99Us: number;
  cpuUsPerCall: number;
  firstCallMs: number;
}

async function round(kind: Kind): Promise<Round> {
  const { server, port } = await start(kind);
  try {
    const { client, one } = newClient(kind, port);
    for (let i = 0; i < warmUpCalls; i++) await one();
    const latencies = new Float64Array(calls);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) {
      const s = performance.now();
      await one();
      latencies[i] = performance.now() - s;
    }
    const elapsedMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    client.close();
    latencies.sort();
    const firsts: number[] = [];
    for (let i = 0; i < connects; i++) {
      const s = performance.now();
      const fresh = newClient(kind, port);
      await fresh.one();
      firsts.push(performance.now() - s);
      fresh.client.close();
    }
    return {
      perSecond: (calls / elapsedMs) * 1000,
      p50Us: latencies[Math.floor(calls * 0.5)]! * 1000,
      p99Us: latencies[Math.floor(calls * 0.99)]! * 1000,
      cpuUsPerCall: (cpu.user + cpu.system) / calls,
      firstCallMs: median(firsts),
    };
  } finally {
    server.forceShutdown();
  }
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

const results = new Map<Kind, Round[]>(kinds.map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const kind of kinds) results.get(kind)!.push(await round(kind));
}

console.log(
  `node --import tsx test/bench/authority-fix-bench.ts --calls ${calls} --rounds ${rounds} --connects ${connects}`,
);
console.log(
  '| server | calls/s | p50 µs | p99 µs | CPU µs per call | first call of a new client, ms | calls/s of each round |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const kind of kinds) {
  const rs = results.get(kind)!;
  const m = (f: (r: Round) => number, digits = 0) => median(rs.map(f)).toFixed(digits);
  const each = rs.map((x) => x.perSecond.toFixed(0)).join(' ');
  console.log(
    `| ${kind} | ${m((r) => r.perSecond)} | ${m((r) => r.p50Us)} | ${m((r) => r.p99Us)} | ` +
      `${m((r) => r.cpuUsPerCall)} | ${m((r) => r.firstCallMs, 2)} | ${each} |`,
  );
}
