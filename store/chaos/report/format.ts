// Compact, human-readable renderings of the records' fields: times, inputs,
// outputs. They are plain strings; the caller escapes them for the page.

import { Buffer } from 'node:buffer';
import type { OpRecord } from '../types.js';
import { truncate } from './escape.js';
import { valueCharsMax } from './limits.js';

/** "250 ms", "1.50 s", "12.3 s", "615 s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return '0 s';
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${trimNumber(ms, abs < 10 ? 2 : abs < 100 ? 1 : 0)} ms`;
  const s = ms / 1_000;
  const as = Math.abs(s);
  return `${trimNumber(s, as < 10 ? 2 : as < 100 ? 1 : 0)} s`;
}

/** Fixed digits without trailing zeros: 5.00 → "5", 2.50 → "2.5". */
function trimNumber(n: number, digits: number): string {
  const s = n.toFixed(digits);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** A value as it reads best: bare printable strings, JSON for the rest, cut to a bounded length. */
export function formatValue(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = /^[\x21-\x7e]*$/.test(v) && v !== '' ? v : JSON.stringify(v);
  else if (typeof v === 'bigint') s = `${v}n`;
  else if (v instanceof Uint8Array) s = `0x${Buffer.from(v).toString('hex')}`;
  else if (v === undefined) s = 'undefined';
  else {
    try {
      s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  return truncate(s, valueCharsMax);
}

/** `put(k1, v3)`: the workload's `f` as the name, the other fields as arguments in their order. */
export function formatInput(input: Record<string, unknown>): string {
  const { f, ...rest } = input;
  const name = typeof f === 'string' ? f : 'op';
  const args = Object.values(rest).map(formatValue);
  return `${name}(${args.join(', ')})`;
}

/** What an operation returned: `v3`, `ok=true rev=5`, `failed`, or `?` when unknown. */
export function formatResult(op: OpRecord): string {
  switch (op.outcome) {
    case 'ok':
      return formatOutput(op.output);
    case 'fail':
      return 'failed';
    case 'unknown':
      return '?';
    case 'pending':
      return '…';
  }
}

function formatOutput(output: Record<string, unknown> | undefined): string {
  if (output === undefined) return 'ok';
  const entries = Object.entries(output);
  if (entries.length === 0) return 'ok';
  if (entries.length === 1) return formatValue(entries[0]![1]);
  return entries.map(([k, v]) => `${k}=${formatValue(v)}`).join(' ');
}

/** `#12 put(k1, v3) → ok`: the one-line label of an operation. */
export function opLabel(op: OpRecord): string {
  return `#${op.id} ${formatInput(op.input)} → ${formatResult(op)}`;
}

/** Every detail of an operation, one per line, for a hover title. */
export function opDetail(op: OpRecord): string {
  const lines = [
    `#${op.id} client ${op.client}: ${formatInput(op.input)}`,
    `outcome ${op.outcome}${op.outcome === 'ok' ? `: ${formatResult(op)}` : ''}`,
    `${formatMs(op.invokeMs)} → ${op.completeMs === undefined ? 'never completed' : formatMs(op.completeMs)}` +
      (op.completeMs === undefined ? '' : ` (${formatMs(op.completeMs - op.invokeMs)})`),
  ];
  if (op.member !== undefined) lines.push(`member ${op.member}`);
  if (op.revision !== undefined) lines.push(`revision ${op.revision}`);
  if (op.error !== undefined) lines.push(`error ${truncate(op.error, valueCharsMax * 2)}`);
  return lines.join('\n');
}
