// history.jsonl: every record of a run, one JSON object per line, in the
// order the run recorded them, so a run can be checked and drawn again from
// its files alone. Writing goes through a temporary file and a rename, so a
// run that dies while writing never leaves a half-written history under the
// real name. (No fsync: these are reports, and a power loss may lose them.)

import { createReadStream } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { HistoryRecord } from '../types.js';
import { decodeJson, encodeJson, mayHoldTags } from './json-codec.js';

/** A history file that is not what writeHistory writes; the message names the file and line. */
export class HistoryFileError extends Error {
  override name = 'HistoryFileError';
}

const opOutcomes = new Set(['ok', 'fail', 'unknown', 'pending']);

/** Lines are gathered into chunks of about this many characters before each write. */
const writeChunkChars = 1 << 20;

/** Writes `text` to `file` via `file.tmp` and a rename. */
export async function writeFileAtomic(file: string, chunks: Iterable<string>): Promise<void> {
  const tmp = `${file}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    for (const chunk of chunks) await handle.write(chunk);
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}

function* historyChunks(records: readonly HistoryRecord[]): Generator<string> {
  let chunk: string[] = [];
  let chars = 0;
  for (const r of records) {
    const line = plainOp(r) ? JSON.stringify(r) : encodeJson(r);
    chunk.push(line, '\n');
    chars += line.length + 1;
    if (chars >= writeChunkChars) {
      yield chunk.join('');
      chunk = [];
      chars = 0;
    }
  }
  if (chunk.length > 0) yield chunk.join('');
}

/**
 * An op whose input and output hold only strings, numbers, booleans and null — every workload's
 * op — needs none of encodeJson's tags, and plain JSON.stringify is several times faster.
 */
function plainOp(r: HistoryRecord): boolean {
  return (
    r.type === 'op' &&
    primitivesOnly(r.input) &&
    (r.output === undefined || primitivesOnly(r.output))
  );
}

function primitivesOnly(o: Record<string, unknown>): boolean {
  for (const k in o) {
    const v = o[k];
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      return false;
    }
  }
  return true;
}

export async function writeHistory(file: string, records: readonly HistoryRecord[]): Promise<void> {
  await writeFileAtomic(file, historyChunks(records));
}

/**
 * Reads a history.jsonl back. Blank lines are skipped; anything else that is not a record throws
 * HistoryFileError with the line number. Fields a record type declares as `T | undefined` (an
 * op's completeMs, a fault's endMs, a sample's leader) are restored as present-but-undefined, as
 * the recorder made them; other undefined fields stay absent.
 */
export async function readHistory(file: string): Promise<HistoryRecord[]> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  const records: HistoryRecord[] = [];
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      throw new HistoryFileError(`${file}:${lineNo}: not JSON (${(e as Error).message})`);
    }
    const value = mayHoldTags(line) ? decodeJson(parsed) : parsed;
    records.push(toRecord(value, `${file}:${lineNo}`));
  }
  return records;
}

function toRecord(value: unknown, where: string): HistoryRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HistoryFileError(`${where}: not a record object`);
  }
  const r = value as Record<string, unknown>;
  const need = (field: string, type: 'number' | 'string' | 'object'): void => {
    if (typeof r[field] !== type || r[field] === null) {
      throw new HistoryFileError(`${where}: ${String(r.type)} record needs ${type} field ${field}`);
    }
  };
  switch (r.type) {
    case 'op':
      need('id', 'number');
      need('client', 'number');
      need('invokeMs', 'number');
      need('outcome', 'string');
      need('input', 'object');
      if (!opOutcomes.has(r.outcome as string)) {
        throw new HistoryFileError(
          `${where}: op outcome ${JSON.stringify(r.outcome)} is not one of ok, fail, unknown, pending`,
        );
      }
      if (!('completeMs' in r)) r.completeMs = undefined;
      return r as unknown as HistoryRecord;
    case 'fault':
      need('kind', 'string');
      need('startMs', 'number');
      if (!Array.isArray(r.targets)) throw new HistoryFileError(`${where}: fault needs targets`);
      if (!('endMs' in r)) r.endMs = undefined;
      return r as unknown as HistoryRecord;
    case 'leader':
      need('atMs', 'number');
      need('term', 'number');
      if (!('leader' in r)) r.leader = undefined;
      return r as unknown as HistoryRecord;
    case 'watch':
      need('observation', 'object');
      return r as unknown as HistoryRecord;
    default:
      throw new HistoryFileError(`${where}: unknown record type ${JSON.stringify(r.type)}`);
  }
}
