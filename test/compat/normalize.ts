// Turns what one step printed into text that two servers must agree on
// exactly. Only what legitimately differs between two fresh clusters is
// replaced: member and cluster ids (random, hex or decimal) by the member's
// name, ports and the scratch directory by labels, raft terms and indexes
// (etcd writes internal entries capstan does not), timings, database sizes
// and hashes (different storage engines) by placeholders, and the client
// library's JSON log lines on stderr are dropped. Keys, values, revisions,
// counts, versions, flags, error messages, exit codes and table shapes stay.

import { parseLosslessJson, type LosslessJson } from '../store/server/grpc/lossless-json.js';
import type { CtlRecord, GrpcRecord } from './session.js';

export interface Facts {
  /** Member and cluster ids → a stable label (the member's name, or "cluster"). */
  readonly ids: ReadonlyMap<bigint, string>;
  /** Client and peer ports → a stable label ("m1:client"). */
  readonly ports: ReadonlyMap<number, string>;
  /** The target's scratch directory. */
  readonly dir: string;
}

export type Format = 'simple' | 'json' | 'fields' | 'table' | 'protobuf';

/** The output format an etcdctl command line asks for. */
export function outputFormat(args: readonly string[]): Format {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^(?:-w|--write-out)=(.*)$/.exec(a);
    if (m) return m[1] as Format;
    if (a === '-w' || a === '--write-out') return (args[i + 1] ?? 'simple') as Format;
  }
  return 'simple';
}

// Fields whose values depend on the raft log, the storage engine or time.
const volatileJsonKeys = new Set([
  'raft_term',
  'raftTerm',
  'raftIndex',
  'raftAppliedIndex',
  'dbSize',
  'dbSizeInUse',
  'hash',
  'took',
]);
const volatileFieldKeys = new Set(['RaftTerm', 'RaftIndex', 'RaftAppliedIndex', 'DBSize', 'Hash']);
const volatileColumns = new Set([
  'RAFT TERM',
  'RAFT INDEX',
  'RAFT APPLIED INDEX',
  'DB SIZE',
  'HASH',
  'TOOK',
]);

/** Comma-separated columns (0-based) of simple outputs that are volatile, by command. */
function volatileSimpleColumns(args: readonly string[]): number[] {
  const cmd = args
    .filter((a) => !a.startsWith('-'))
    .slice(0, 2)
    .join(' ');
  if (cmd === 'endpoint status') return [3, 6, 7, 8]; // db size, raft term, index, applied
  if (cmd === 'endpoint hashkv') return [1];
  return [];
}

/** Replaces the scratch dir, known ports, ids (hex and decimal) and timings in free text. */
export function scrub(text: string, facts: Facts): string {
  let out = text.split(facts.dir).join('<dir>');
  out = out.replace(/127\.0\.0\.1:(\d+)/g, (m, port: string) => {
    const label = facts.ports.get(Number(port));
    return label === undefined ? m : `<${label}>`;
  });
  for (const [id, label] of facts.ids) {
    // Lease ids print as %016x: zero-padded.
    const hex = new RegExp(`(?<![0-9a-fA-F])0*${id.toString(16)}(?![0-9a-fA-F])`, 'g');
    const dec = new RegExp(`(?<![0-9])${id.toString(10)}(?![0-9])`, 'g');
    out = out.replace(hex, `<${label}>`).replace(dec, `<${label}>`);
  }
  // etcdctl prints some ids as %16x: the padding depends on the id.
  out = out.replace(/ {2,}</g, ' <');
  out = out.replace(/took = [0-9.]+[a-zµ]+/g, 'took = <took>');
  // A lease's remaining TTL depends on timing (sessions note whether it is plausible).
  out = out.replace(/remaining\(-?\d+s\)/g, 'remaining(<s>)');
  return out;
}

/** Member ids in the order the rows list them (first known id of each row). */
function rowIds(lines: readonly string[], facts: Facts): bigint[] {
  const out: bigint[] = [];
  for (const line of lines) {
    let best: { at: number; id: bigint } | undefined;
    for (const id of facts.ids.keys()) {
      for (const form of [id.toString(16), id.toString(10)]) {
        const at = line.search(new RegExp(`(?<![0-9a-fA-F])${form}(?![0-9a-fA-F])`));
        if (at >= 0 && (best === undefined || at < best.at)) best = { at, id };
      }
    }
    if (best !== undefined) out.push(best.id);
  }
  return out;
}

function ascending(ids: readonly bigint[]): boolean {
  return ids.every((id, i) => i === 0 || ids[i - 1]! < id);
}

function orderNote(ids: readonly bigint[]): string {
  return ascending(ids) ? '(rows in member id order)' : '(rows NOT in member id order)';
}

// ---- simple ---------------------------------------------------------------

function normalizeSimple(rec: CtlRecord, facts: Facts): string {
  const raw = rec.result.stdout;
  const columns = volatileSimpleColumns(rec.args);
  const hashes = raw
    .split('\n')
    .filter((l) => l.includes(', '))
    .map((l) => l.split(', ')[1]);
  const hashNote =
    columns.length === 1 && hashes.length > 1
      ? new Set(hashes).size === 1
        ? '(hashes agree)\n'
        : '(hashes DIFFER)\n'
      : '';
  let lines = scrub(raw, facts)
    .split('\n')
    .map((line) => {
      if (line.startsWith('ETCD_INITIAL_CLUSTER="')) {
        // Listed in member id order, which is random: compare the set.
        const list = line.slice('ETCD_INITIAL_CLUSTER="'.length, -1).split(',').sort();
        return `ETCD_INITIAL_CLUSTER="${list.join(',')}"`;
      }
      if (columns.length === 0 || !line.includes(', ')) return line;
      const cells = line.split(', ');
      for (const c of columns) if (c < cells.length) cells[c] = '<volatile>';
      return cells.join(', ');
    });
  if (rec.rows !== undefined) lines = sortRows(lines);
  const note = rec.rows === 'by-id' ? `${orderNote(rowIds(raw.split('\n'), facts))}\n` : '';
  return note + hashNote + lines.join('\n');
}

/** Sorts the non-empty lines, keeping a trailing empty line where it was. */
function sortRows(lines: string[]): string[] {
  const body = lines.filter((l) => l !== '').sort();
  return lines.length > 0 && lines[lines.length - 1] === '' ? [...body, ''] : body;
}

// ---- table ----------------------------------------------------------------

function normalizeTable(rec: CtlRecord, facts: Facts): string {
  const raw = rec.result.stdout;
  const lines = scrub(raw, facts).split('\n');
  let header: string[] | undefined;
  const rows: string[][] = [];
  const other: string[] = [];
  for (const line of lines) {
    if (line.startsWith('+')) continue;
    if (!line.startsWith('|')) {
      if (line !== '') other.push(line);
      continue;
    }
    const cells = line
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim());
    if (header === undefined) header = cells;
    else rows.push(cells);
  }
  if (header === undefined) return lines.join('\n');
  const h = header;
  const hashAt = h.indexOf('HASH');
  // Hashes differ between servers, but the members of one cluster must agree.
  const hashNote =
    hashAt >= 0 && rows.length > 1
      ? [new Set(rows.map((r) => r[hashAt])).size === 1 ? '(hashes agree)' : '(hashes DIFFER)']
      : [];
  for (const row of rows) {
    row.forEach((_, i) => {
      if (volatileColumns.has(h[i] ?? '')) row[i] = '<volatile>';
    });
  }
  if (rec.rows !== undefined) rows.sort((a, b) => a.join('|').localeCompare(b.join('|')));
  const rule = `+${h.map(() => '-').join('+')}+`;
  const render = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const note =
    rec.rows === 'by-id'
      ? [
          orderNote(
            rowIds(
              raw.split('\n').filter((l) => l.startsWith('|')),
              facts,
            ),
          ),
        ]
      : [];
  return [...note, ...hashNote, rule, render(h), rule, ...rows.map(render), rule, ...other].join(
    '\n',
  );
}

// ---- fields ---------------------------------------------------------------

function normalizeFields(rec: CtlRecord, facts: Facts): string {
  const raw = rec.result.stdout;
  const lines = scrub(raw, facts)
    .split('\n')
    .map((line) => {
      const m = /^"([A-Za-z]+)" : (.*)$/.exec(line);
      return m && volatileFieldKeys.has(m[1]!) ? `"${m[1]}" : <volatile>` : line;
    });
  if (rec.rows === undefined) return lines.join('\n');
  // Member lists: one block per member, each starting at its "ID" line.
  const head: string[] = [];
  const blocks: string[][] = [];
  for (const line of lines) {
    if (line.startsWith('"ID" : ')) blocks.push([line]);
    else if (blocks.length > 0) blocks[blocks.length - 1]!.push(line);
    else head.push(line);
  }
  blocks.sort((a, b) => a.join('\n').localeCompare(b.join('\n')));
  const ids = rowIds(
    raw.split('\n').filter((l) => l.startsWith('"ID" : ')),
    facts,
  );
  return [orderNote(ids), ...head, ...blocks.flat()].join('\n');
}

// ---- json -----------------------------------------------------------------

/** Replaces ids, volatile values and free text inside a parsed JSON value. */
function normalizeJsonValue(v: LosslessJson, facts: Facts, key = ''): LosslessJson {
  if (volatileJsonKeys.has(key) && v !== null && typeof v !== 'object') return '<volatile>';
  if (typeof v === 'bigint') {
    const label = facts.ids.get(v);
    return label === undefined ? v : `<${label}>`;
  }
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) {
      const label = facts.ids.get(BigInt(v));
      if (label !== undefined) return `<${label}>`;
    }
    return scrub(v, facts);
  }
  if (Array.isArray(v)) return v.map((x) => normalizeJsonValue(x, facts, key));
  if (v === null || typeof v !== 'object') return v;
  const out: { [k: string]: LosslessJson } = {};
  for (const [k, x] of Object.entries(v)) out[k] = normalizeJsonValue(x, facts, k);
  return out;
}

/** Sorts every array of objects (rows in no particular order). */
function sortArrays(v: LosslessJson): LosslessJson {
  if (Array.isArray(v)) {
    const items = v.map(sortArrays);
    return items.every((x) => typeof x === 'object' && x !== null)
      ? items.sort((a, b) => stringify(a).localeCompare(stringify(b)))
      : items;
  }
  if (v === null || typeof v !== 'object') return v;
  const out: { [k: string]: LosslessJson } = {};
  for (const [k, x] of Object.entries(v)) out[k] = sortArrays(x);
  return out;
}

/** Values under "ID" keys, in document order. */
function jsonIds(v: LosslessJson, out: bigint[] = [], key = ''): bigint[] {
  if (key === 'ID' && (typeof v === 'bigint' || typeof v === 'string')) out.push(BigInt(v));
  else if (Array.isArray(v)) for (const x of v) jsonIds(x, out);
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) jsonIds(x, out, k);
  return out;
}

/** JSON text with bigints as bare integers, keys in their original order. */
export function stringify(v: LosslessJson): string {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(stringify).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${stringify(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function normalizeJson(
  text: string,
  facts: Facts,
  rows: CtlRecord['rows'] = undefined,
): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.trim() === '') return line;
      let parsed: LosslessJson;
      try {
        parsed = parseLosslessJson(line);
      } catch {
        return scrub(line, facts);
      }
      let v = normalizeJsonValue(parsed, facts);
      if (rows !== undefined) v = sortArrays(v);
      const note = rows === 'by-id' ? `${orderNote(jsonIds(parsed))}\n` : '';
      return note + stringify(v);
    })
    .join('\n');
}

// ---- whole records --------------------------------------------------------

/** stderr without the client library's JSON log lines (retry warnings, snapshot progress). */
export function errorText(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => line !== '' && !/^\{"level":/.test(line))
    .join('\n');
}

export function normalizeStdout(rec: CtlRecord, facts: Facts): string {
  switch (outputFormat(rec.args)) {
    case 'json':
      return normalizeJson(rec.result.stdout, facts, rec.rows);
    case 'table':
      return normalizeTable(rec, facts);
    case 'fields':
      return normalizeFields(rec, facts);
    default:
      return normalizeSimple(rec, facts);
  }
}

/** The command line as a title both targets share (ids and ports as labels). */
export function ctlTitle(rec: CtlRecord, facts: Facts): string {
  const shown = rec.args.map((a) => (a === '' ? "''" : a.length > 60 ? `${a.slice(0, 57)}...` : a));
  const stdin = rec.stdinSummary === undefined ? '' : ` <<< ${rec.stdinSummary}`;
  return scrub(`etcdctl ${shown.join(' ')}${stdin}`, facts);
}

export function normalizeCtl(rec: CtlRecord, facts: Facts): string {
  const parts = [`exit code ${rec.result.exitCode}`];
  const stdout = normalizeStdout(rec, facts);
  if (stdout.trim() !== '') parts.push('--- stdout', stdout);
  let stderr = scrub(errorText(rec.result.stderr), facts);
  // etcdctl prints some per-endpoint results on stderr (endpoint health).
  if (rec.rows !== undefined) stderr = sortRows(stderr.split('\n')).join('\n');
  if (stderr !== '') parts.push('--- stderr', stderr);
  if (rec.note !== undefined) parts.push('--- note', scrub(rec.note, facts));
  return parts.join('\n');
}

/** A gRPC answer as JSON (bytes as text), or the error's code and message. */
export function normalizeGrpc(rec: GrpcRecord, facts: Facts): string {
  if (rec.error !== undefined)
    return `error code ${rec.error.code}: ${scrub(rec.error.details, facts)}`;
  const text = JSON.stringify(rec.answer, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (
      v !== null &&
      typeof v === 'object' &&
      (v as { type?: unknown }).type === 'Buffer' &&
      Array.isArray((v as { data?: unknown }).data)
    ) {
      return Buffer.from((v as { data: number[] }).data).toString('utf8');
    }
    return v;
  });
  return normalizeJson(text ?? 'undefined', facts);
}
