// node --import tsx test/bench/raft-log-bench.ts [--seconds S] [--entry-bytes N] [--sizes 1,10,100,1000] [--no-sync]
//
// The durable raft log alone: RaftLogStore.save of Readys holding B entries
// of N bytes plus a hard state, one after another, each synced as the ready
// loop does (group commit: B is how many proposals one fsync carries). Prints
// Ready saves/s, entries/s, MB/s of payload and the save latency, per B.
// Compare with docs: NODE-STACK.md's level figures (chained batch, sync).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { RaftLogStore } from '../../store/backend/index.js';
import { EntryType, type Entry } from '../../store/raft/index.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    'entry-bytes': { type: 'string', default: '256' },
    sizes: { type: 'string', default: '1,10,100,1000' },
    'no-sync': { type: 'boolean', default: false },
  },
});
const runMs = Number(values.seconds) * 1000;
const entryBytes = Number(values['entry-bytes']);
const sizes = values.sizes.split(',').map(Number);
const sync = !values['no-sync'];

interface Row {
  entriesPerReady: number;
  readys: number;
  elapsedMs: number;
  latenciesMs: number[];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

async function measure(entriesPerReady: number): Promise<Row> {
  const dir = await mkdtemp(join(tmpdir(), 'capstan-raftlog-bench-'));
  const store = await RaftLogStore.open(dir);
  const payload = new Uint8Array(entryBytes).fill(0xab);
  const latenciesMs: number[] = [];
  let last = 0;
  let readys = 0;
  const start = performance.now();
  try {
    while (performance.now() - start < runMs) {
      const entries: Entry[] = [];
      for (let k = 0; k < entriesPerReady; k++) {
        entries.push({ index: last + 1 + k, term: 1, type: EntryType.Normal, data: payload });
      }
      last += entriesPerReady;
      const t0 = performance.now();
      await store.save({ entries, hardState: { term: 1, vote: 1n, commit: last } }, { sync });
      latenciesMs.push(performance.now() - t0);
      readys++;
    }
    return { entriesPerReady, readys, elapsedMs: performance.now() - start, latenciesMs };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

console.log(
  `# node --import tsx test/bench/raft-log-bench.ts --seconds ${values.seconds} --entry-bytes ${entryBytes} --sizes ${values.sizes}${sync ? '' : ' --no-sync'}`,
);
console.log(
  `# ${entryBytes} B entries, ${sync ? 'sync: true (fsync per Ready)' : 'sync: false'}, ${process.version}`,
);
console.log('| entries/Ready | Readys/s | entries/s | payload MB/s | save p50 ms | save p99 ms |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
for (const size of sizes) {
  const row = await measure(size);
  const perSec = row.readys / (row.elapsedMs / 1000);
  const sorted = row.latenciesMs.sort((a, b) => a - b);
  const mbPerSec = (perSec * size * entryBytes) / 1e6;
  console.log(
    `| ${size} | ${fmt(perSec)} | ${fmt(perSec * size)} | ${fmt(mbPerSec, 1)} | ${fmt(percentile(sorted, 0.5), 2)} | ${fmt(percentile(sorted, 0.99), 2)} |`,
  );
}
