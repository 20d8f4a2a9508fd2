// history.jsonl and summary.json are the data a run is checked and drawn
// again from: what writeReport writes, readHistory and readSummary give back.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  HistoryFileError,
  readHistory,
  readSummary,
  writeReport,
} from '../../../store/chaos/report/index.js';
import type { HistoryRecord } from '../../../store/chaos/types.js';
import { syntheticRun } from './synthetic-run.js';

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'capstan-report-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('writeReport then readHistory gives back exactly the records, one per line', async () => {
  const { records, summary } = syntheticRun({
    ops: 500,
    clients: 4,
    durationMs: 10_000,
    faults: 2,
  });
  records.push({
    type: 'op',
    id: 500,
    client: 0,
    workload: 'register',
    input: { f: 'put', key: 'k\n"quoted"', value: 'line1\nline2\u2028' },
    invokeMs: 9_999,
    completeMs: undefined,
    outcome: 'pending',
  });
  records.push({ type: 'leader', atMs: 9_999, leader: undefined, term: 9 });
  records.push({
    type: 'fault',
    kind: 'kill-leader',
    targets: ['m1'],
    detail: 'x',
    startMs: 9_990,
    endMs: undefined,
  });
  await withDir(async (dir) => {
    await writeReport(dir, records, summary);
    const text = await readFile(join(dir, 'history.jsonl'), 'utf8');
    assert.equal(text.split('\n').filter((l) => l !== '').length, records.length);
    assert.deepEqual(await readHistory(join(dir, 'history.jsonl')), records);
    assert.deepEqual(await readSummary(join(dir, 'summary.json')), summary);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    assert.match(html, /^<!doctype html>/);
  });
});

test('watch observations keep their bytes and bigint lease ids; tag-like objects stay objects', async () => {
  const records: HistoryRecord[] = [
    {
      type: 'watch',
      observation: {
        id: 'w1',
        request: { key: new Uint8Array([0, 255, 10]), rangeEnd: '\0', prevKv: true },
        segments: [
          {
            member: 'm2',
            end: 'disconnected',
            responses: [
              {
                headerRevision: 7,
                events: [
                  {
                    type: 'put',
                    key: 'a',
                    value: new Uint8Array([1, 2]),
                    createRevision: 7,
                    modRevision: 7,
                    version: 1,
                    lease: 2n ** 63n - 1n,
                  },
                ],
              },
            ],
          },
        ],
      },
    },
    {
      type: 'op',
      id: 0,
      client: 0,
      workload: 'mixed',
      input: { f: 'put', key: { $bigint: '5' }, value: { $object: { $bytes: 'x' } } },
      invokeMs: 1,
      completeMs: 2,
      outcome: 'ok',
      output: JSON.parse('{"__proto__":"not a prototype","n":1}') as Record<string, unknown>,
    },
  ];
  await withDir(async (dir) => {
    const { summary } = syntheticRun({ ops: 0, clients: 1, durationMs: 1_000, faults: 0 });
    await writeReport(dir, records, summary);
    assert.deepEqual(await readHistory(join(dir, 'history.jsonl')), records);
  });
});

test('readHistory names the file and line of anything that is not a record', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'history.jsonl');
    await writeFile(file, '{"type":"leader","atMs":1,"term":2}\n\n{"type":"op","id":1}\n');
    await assert.rejects(readHistory(file), (e: unknown) => {
      assert.ok(e instanceof HistoryFileError);
      assert.match(e.message, /history\.jsonl:3: op record needs number field client/);
      return true;
    });
    await writeFile(file, '{"type":"leader","atMs":1,"term":2}\n{"type":"op","id":1,"cli');
    await assert.rejects(readHistory(file), /history\.jsonl:2: not JSON/);
    await writeFile(file, '{"type":"bogus"}\n');
    await assert.rejects(readHistory(file), /unknown record type "bogus"/);
    await writeFile(file, '{"type":"leader","atMs":1,"term":2}\n\n');
    assert.deepEqual(await readHistory(file), [
      { type: 'leader', atMs: 1, term: 2, leader: undefined },
    ]);
  });
});
