// node --import tsx test/bench/mvcc-bench.ts [--puts N] [--batch B] [--keys K] [--value-bytes V] [--ranges R]
//
// The mvcc state machine on a LevelBackend in a temporary directory (removed
// afterwards): applying Put entries in batches as the replica's ready loop
// would (one backend batch per call, not synced), including the time to
// flush them; then Range requests of single keys at the current revision
// (memory only), at an old revision (read from level), and of 100 keys.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { LevelBackend, MvccStore, type ApplyEntry } from '../../store/mvcc/index.js';

const { values: args } = parseArgs({
  options: {
    puts: { type: 'string', default: '300000' },
    batch: { type: 'string', default: '100' },
    keys: { type: 'string', default: '100000' },
    'value-bytes': { type: 'string', default: '100' },
    ranges: { type: 'string', default: '200000' },
  },
});
const puts = Number(args.puts);
const batch = Number(args.batch);
const keyCount = Number(args.keys);
const valueBytes = Number(args['value-bytes']);
const ranges = Number(args.ranges);

function keyOf(i: number): Uint8Array {
  return new TextEncoder().encode(`/registry/pods/default/pod-${String(i).padStart(8, '0')}`);
}

function rate(n: number, ms: number): string {
  return `${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'capstan-mvcc-bench-'));
  const rows: [string, string][] = [];
  try {
    const store = await MvccStore.open(await LevelBackend.open(dir));
    const keys = Array.from({ length: keyCount }, (_, i) => keyOf(i));
    const value = new Uint8Array(valueBytes).fill(0x61);

    let index = 0;
    let applyMs = 0;
    const t0 = performance.now();
    for (let done = 0, n = 0; done < puts; done += batch, n++) {
      const entries: ApplyEntry[] = [];
      for (let i = done; i < Math.min(done + batch, puts); i++) {
        entries.push({
          index: ++index,
          term: 1,
          command: { put: { key: keys[i % keyCount]!, value } },
        });
      }
      const s = performance.now();
      store.applyEntries(entries);
      applyMs += performance.now() - s;
      // Yield now and then, as the replica's loop does between Readies, so
      // level writes the queued batches meanwhile (in its own threads).
      if (n % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
    }
    await store.flush();
    const t1 = performance.now();
    rows.push([`put, ${batch} entries per applyEntries: CPU in applyEntries`, rate(puts, applyMs)]);
    rows.push([
      `put, ${batch} entries per applyEntries: applied and written to level`,
      rate(puts, t1 - t0),
    ]);

    const current = store.currentRevision();
    const t2 = performance.now();
    for (let i = 0; i < ranges; i++) store.range({ key: keys[(i * 7919) % keyCount]! });
    const t3 = performance.now();
    rows.push(['range 1 key, current revision', rate(ranges, t3 - t2)]);

    const old = Math.max(2, current - puts / 2);
    const historical = Math.min(ranges, 50_000);
    const t4 = performance.now();
    for (let i = 0; i < historical; i++) {
      store.range({ key: keys[(i * 7919) % keyCount]!, revision: old });
    }
    const t5 = performance.now();
    rows.push(['range 1 key, old revision (level getSync)', rate(historical, t5 - t4)]);

    const wide = Math.min(ranges / 10, 20_000);
    const t6 = performance.now();
    for (let i = 0; i < wide; i++) {
      const from = (i * 7919) % (keyCount - 100);
      store.range({ key: keys[from]!, rangeEnd: keys[from + 100]!, limit: 100 });
    }
    const t7 = performance.now();
    rows.push(['range 100 keys, current revision', rate(wide, t7 - t6)]);

    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`mvcc: LevelBackend, ${puts} puts over ${keyCount} keys, ${valueBytes}-byte values`);
  console.log('| measure | result |');
  console.log('| --- | --- |');
  for (const [what, result] of rows) console.log(`| ${what} | ${result} |`);
  console.log(
    `node ${process.version}; command: node --import tsx test/bench/mvcc-bench.ts --puts ${puts} --batch ${batch} --keys ${keyCount} --value-bytes ${valueBytes} --ranges ${ranges}`,
  );
}

await main();
