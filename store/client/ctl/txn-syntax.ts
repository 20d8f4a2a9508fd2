// etcdctl's interactive txn syntax, so `capstan ctl txn` reads what
// `etcdctl txn` reads: compares, a blank line, success requests, a blank
// line, failure requests. Compares look like `value("k") = "v"`,
// `mod("k") > "3"` (also version, create, lease; operators = != < >);
// requests are `put k v`, `get k [end]`, `del k [end]`.

import type * as w from '../../server/grpc/wire-types.js';
import { CompareResult, CompareTarget } from '../../server/grpc/wire-types.js';

export class TxnSyntaxError extends Error {
  override name = 'TxnSyntaxError';
}

const compareRe =
  /^(value|version|create|mod|lease)\("((?:[^"\\]|\\.)*)"\)\s*(=|!=|<|>)\s*"((?:[^"\\]|\\.)*)"$/;

const results: Record<string, number> = {
  '=': CompareResult.EQUAL,
  '!=': CompareResult.NOT_EQUAL,
  '<': CompareResult.LESS,
  '>': CompareResult.GREATER,
};

function unquote(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

export function parseCompare(line: string): w.Compare<'out'> {
  const m = compareRe.exec(line.trim());
  if (!m) throw new TxnSyntaxError(`malformed comparison: ${line}`);
  const [, target, key, op, raw] = m as unknown as [string, string, string, string, string];
  const value = unquote(raw);
  const base = { key: Buffer.from(unquote(key)), result: results[op] as 0 | 1 | 2 | 3 };
  const num = (what: string): string => {
    if (!/^-?\d+$/.test(value)) throw new TxnSyntaxError(`${what} must be an integer: ${line}`);
    return value;
  };
  switch (target) {
    case 'value':
      return { ...base, target: CompareTarget.VALUE, value: Buffer.from(value) };
    case 'version':
      return { ...base, target: CompareTarget.VERSION, version: num('version') };
    case 'create':
      return { ...base, target: CompareTarget.CREATE, create_revision: num('create revision') };
    case 'mod':
      return { ...base, target: CompareTarget.MOD, mod_revision: num('mod revision') };
    default:
      return { ...base, target: CompareTarget.LEASE, lease: num('lease') };
  }
}

function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line))
    out.push(m[1] !== undefined ? unquote(m[1]) : m[2]!);
  return out;
}

export function parseRequest(line: string): w.RequestOp<'out'> {
  const [verb, a, b] = words(line);
  if (!a) throw new TxnSyntaxError(`malformed request: ${line}`);
  switch (verb) {
    case 'put':
      if (b === undefined) throw new TxnSyntaxError(`put needs a key and a value: ${line}`);
      return { request_put: { key: Buffer.from(a), value: Buffer.from(b) } };
    case 'get':
      return {
        request_range: { key: Buffer.from(a), ...(b ? { range_end: Buffer.from(b) } : {}) },
      };
    case 'del':
    case 'delete':
      return {
        request_delete_range: { key: Buffer.from(a), ...(b ? { range_end: Buffer.from(b) } : {}) },
      };
    default:
      throw new TxnSyntaxError(`unknown request "${verb ?? ''}": ${line}`);
  }
}

/** Parses the whole interactive input: three sections separated by blank lines. */
export function parseTxn(input: string): w.TxnRequest<'out'> {
  const sections: string[][] = [[]];
  for (const raw of input.split('\n')) {
    const line = raw.trim();
    if (line === '') {
      if (sections.length < 3) sections.push([]);
      continue;
    }
    sections[sections.length - 1]!.push(line);
  }
  const [compares = [], success = [], failure = []] = sections;
  return {
    compare: compares.map(parseCompare),
    success: success.map(parseRequest),
    failure: failure.map(parseRequest),
  };
}
