// writeReport: the three files of a run's --out directory. history.jsonl and
// summary.json are the data (a run can be checked and drawn again from them);
// report.html is drawn from exactly those, so it never shows anything the data
// files do not hold.

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryRecord, RunSummary } from '../types.js';
import { HistoryFileError, writeFileAtomic, writeHistory } from './history-file.js';
import { renderHtml } from './html-page.js';
import { decodeJson, encodeJson } from './json-codec.js';

export const historyFileName = 'history.jsonl';
export const summaryFileName = 'summary.json';
export const reportFileName = 'report.html';

export async function writeReport(
  dir: string,
  records: readonly HistoryRecord[],
  summary: RunSummary,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeHistory(join(dir, historyFileName), records);
  await writeFileAtomic(join(dir, summaryFileName), [`${encodeJson(summary, 2)}\n`]);
  await writeFileAtomic(join(dir, reportFileName), [renderHtml(records, summary)]);
}

/** Reads a summary.json back (config fields that were undefined come back absent). */
export async function readSummary(file: string): Promise<RunSummary> {
  const text = await readFile(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new HistoryFileError(`${file}: not JSON (${(e as Error).message})`);
  }
  const s = decodeJson(parsed) as Partial<RunSummary> | null;
  if (
    s === null ||
    typeof s !== 'object' ||
    !Array.isArray(s.verdicts) ||
    typeof s.config !== 'object'
  ) {
    throw new HistoryFileError(`${file}: not a run summary (needs config and verdicts)`);
  }
  // Restore the optional-by-undefined config fields as the runner made them.
  const config = s.config as unknown as Record<string, unknown>;
  for (const field of ['outDir', 'endpoints']) if (!(field in config)) config[field] = undefined;
  return s as RunSummary;
}
