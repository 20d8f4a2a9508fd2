// A long run must still give a usable page: 200k operations over 16 clients
// and 10 minutes render in a few seconds into a file well under 20 MB, with the
// per-client timeline aggregated (and the page saying so). The numbers are
// printed so a regression shows up as a number, not only as a failure.

import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readHistory, renderHtml, writeReport } from '../../../store/chaos/report/index.js';
import { syntheticRun } from './synthetic-run.js';

const reportBytesMax = 20 * 1024 * 1024;
const renderMsMax = 5_000;

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

test('200k operations, 16 clients, 10 minutes: bounded size and time, aggregated timeline', async () => {
  const { records, summary } = syntheticRun({
    ops: 200_000,
    clients: 16,
    durationMs: 600_000,
    faults: 60,
    witness: [100_000, 100_001, 100_002, 100_003, 100_004, 100_005],
  });
  const t0 = performance.now();
  const html = renderHtml(records, summary);
  const renderMs = performance.now() - t0;
  const bytes = Buffer.byteLength(html);
  assert.match(html, /200000 operations are too many to draw one by one/);
  assert.ok(html.includes('id="witness"'));
  const timeline = html.slice(html.indexOf('<section id="timeline">'));
  assert.equal(
    [...timeline.matchAll(/class="op \w+ witness"/g)].length,
    6,
    'witness on the timeline',
  );
  assert.match(
    timeline,
    /On top, drawn one by one: 4994 of the \d+ failed, unknown and pending operations \(limit 5000\), and the 6 of the witness\./,
  );
  const dir = await mkdtemp(join(tmpdir(), 'capstan-report-'));
  try {
    const t1 = performance.now();
    await writeReport(dir, records, summary);
    const writeMs = performance.now() - t1;
    const t2 = performance.now();
    const back = await readHistory(join(dir, 'history.jsonl'));
    const readMs = performance.now() - t2;
    const historyBytes = (await stat(join(dir, 'history.jsonl'))).size;
    assert.equal(back.length, records.length);
    console.log(
      `# 200k ops: report.html ${mb(bytes)} rendered in ${renderMs.toFixed(0)} ms; ` +
        `writeReport ${writeMs.toFixed(0)} ms (history.jsonl ${mb(historyBytes)}); readHistory ${readMs.toFixed(0)} ms`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.ok(bytes < reportBytesMax, `report.html is ${mb(bytes)}`);
  assert.ok(renderMs < renderMsMax, `rendered in ${renderMs} ms`);
});

test('the worst drawn-one-by-one case stays bounded: 20k operations with long values', () => {
  const { records, summary } = syntheticRun({
    ops: 20_000,
    clients: 16,
    durationMs: 600_000,
    faults: 60,
  });
  const long = 'x'.repeat(10_000);
  for (const r of records) {
    if (r.type === 'op') {
      r.input = { f: 'put', key: long, value: long };
      r.error = long;
    }
  }
  const t0 = performance.now();
  const html = renderHtml(records, summary);
  const renderMs = performance.now() - t0;
  const bytes = Buffer.byteLength(html);
  console.log(
    `# 20k ops with 10 kB values, drawn one by one: ${mb(bytes)} in ${renderMs.toFixed(0)} ms`,
  );
  assert.ok(!html.includes('too many to draw one by one'));
  assert.ok(bytes < reportBytesMax, `report.html is ${mb(bytes)}`);
});
