// The smallest failing sub-history, drawn as Knossos and Porcupine draw one:
// one row per client, each operation an interval bar labelled with its input
// and output. The axis is the order of the invocations and completions, not
// their durations — what decides linearizability is which operation could
// precede which, and an order axis keeps a 2 ms write next to a 3 s timeout
// readable. Each step is widened until every bar holds its label; real times
// are in the hover titles and the table beneath.
//
// An unknown operation may take effect at any time after its invocation, so
// its bar ends at the timeout and a dashed tail runs on to the end of the axis.

import type { CheckVerdict, OpRecord } from '../types.js';
import { escapeAttr, escapeText, truncate } from './escape.js';
import { formatInput, formatMs, formatResult, opDetail, opLabel } from './format.js';
import type { HistoryView } from './history-view.js';
import {
  explanationCharsMax,
  titleCharsMax,
  witnessLabelCharsMax,
  witnessOpsMax,
} from './limits.js';
import { outcomeClass } from './palette.js';
import { px } from './scale.js';

const leftPx = 56;
const rowPx = 36;
const topPx = 8;
/** Minimum distance between two consecutive event times on the order axis. */
const stepPxMin = 16;
const tailPx = 40;
/** Monospace 11px: one character is 0.6em wide. */
const labelCharPx = 6.6;

export function witnessSection(view: HistoryView, verdicts: readonly CheckVerdict[]): string {
  const failing = verdicts.filter((v) => !v.ok && v.witness !== undefined && v.witness.length > 0);
  if (failing.length === 0) return '';
  const wanted = new Set(failing.flatMap((v) => v.witness!));
  const byId = new Map<number, OpRecord>();
  for (const op of view.ops) if (wanted.has(op.id)) byId.set(op.id, op);
  const parts = failing.map((v, i) => oneWitness(v, i, byId));
  return `<section id="witness"><h2>Violation: the smallest failing sub-history</h2>${parts.join('')}</section>`;
}

function oneWitness(
  verdict: CheckVerdict,
  index: number,
  byId: ReadonlyMap<number, OpRecord>,
): string {
  const ids = verdict.witness!;
  const missing = ids.filter((id) => !byId.has(id));
  const all = ids
    .map((id) => byId.get(id))
    .filter((op): op is OpRecord => op !== undefined)
    .sort((a, b) => a.invokeMs - b.invokeMs || a.id - b.id);
  const ops = all.slice(0, witnessOpsMax);
  const notes: string[] = [];
  if (missing.length > 0) {
    notes.push(
      `${missing.length} witness ids are not operations of this history: ${escapeText(truncate(missing.join(', '), 200))}.`,
    );
  }
  if (all.length > ops.length)
    notes.push(`Only the first ${ops.length} of ${all.length} operations are drawn.`);
  const explanation = escapeText(truncate(verdict.explanation ?? '', explanationCharsMax));
  return (
    `<div class="witness" id="witness-${index}"><h3>${escapeText(verdict.check)}: ${ops.length} operations</h3>` +
    (explanation === '' ? '' : `<pre class="explanation">${explanation}</pre>`) +
    notes.map((n) => `<p class="note">${n}</p>`).join('') +
    (ops.length > 0 ? `<div class="scroll">${drawing(ops)}</div>${table(ops)}` : '') +
    `</div>`
  );
}

function labelPx(op: OpRecord): number {
  return Math.min(opLabel(op).length, witnessLabelCharsMax) * labelCharPx + 10;
}

/** x of every distinct event time, widened so every bar holds its label. */
function layout(ops: readonly OpRecord[]): { xOf: Map<number, number>; rightPx: number } {
  const times = new Set<number>();
  for (const op of ops) {
    times.add(op.invokeMs);
    if (op.completeMs !== undefined) times.add(op.completeMs);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const endingAt = new Map<number, OpRecord[]>();
  for (const op of ops) {
    if (op.completeMs === undefined) continue;
    const list = endingAt.get(op.completeMs) ?? [];
    list.push(op);
    endingAt.set(op.completeMs, list);
  }
  const xOf = new Map<number, number>();
  let x = leftPx + 4 - stepPxMin;
  for (const t of sorted) {
    x += stepPxMin;
    for (const op of endingAt.get(t) ?? []) x = Math.max(x, xOf.get(op.invokeMs)! + labelPx(op));
    xOf.set(t, x);
  }
  let rightPx = x + tailPx;
  for (const op of ops) {
    if (op.completeMs === undefined)
      rightPx = Math.max(rightPx, xOf.get(op.invokeMs)! + labelPx(op));
  }
  return { xOf, rightPx };
}

function drawing(ops: readonly OpRecord[]): string {
  const clients = [...new Set(ops.map((op) => op.client))].sort((a, b) => a - b);
  const rowOf = new Map(clients.map((c, i) => [c, i]));
  const { xOf, rightPx } = layout(ops);
  const height = topPx + clients.length * rowPx + 4;
  const width = Math.ceil(rightPx + 8);
  const parts: string[] = [];
  for (const [t, x] of xOf) {
    parts.push(
      `<line class="grid" x1="${px(x)}" x2="${px(x)}" y1="${topPx}" y2="${height - 4}"><title>${escapeText(formatMs(t))}</title></line>`,
    );
  }
  clients.forEach((c, i) => {
    parts.push(
      `<text class="row-label" x="${leftPx - 6}" y="${topPx + i * rowPx + 27}" text-anchor="end">c${escapeText(String(c))}</text>`,
    );
  });
  for (const op of ops) {
    const y = topPx + rowOf.get(op.client)! * rowPx;
    const x1 = xOf.get(op.invokeMs)!;
    const x2 = op.completeMs === undefined ? rightPx : xOf.get(op.completeMs)!;
    const title = `<title>${escapeText(truncate(opDetail(op), titleCharsMax))}</title>`;
    const cls = outcomeClass(op.outcome);
    parts.push(
      `<g class="witness-op" data-op="${escapeAttr(String(op.id))}">` +
        `<rect class="op ${cls}" x="${px(x1)}" y="${y + 17}" width="${px(Math.max(x2 - x1, 2))}" height="12">${title}</rect>` +
        `<text class="op-label" x="${px(x1 + 2)}" y="${y + 13}">${escapeText(truncate(opLabel(op), witnessLabelCharsMax))}${title}</text>` +
        (cls === 'unknown' && op.completeMs !== undefined
          ? `<line class="maybe" x1="${px(x2)}" x2="${px(rightPx)}" y1="${y + 23}" y2="${y + 23}"/>`
          : '') +
        `</g>`,
    );
  }
  return `<svg class="chart witness-chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

function table(ops: readonly OpRecord[]): string {
  const cell = (s: string): string => `<td>${escapeText(s)}</td>`;
  const rows = ops.map(
    (op) =>
      `<tr class="${outcomeClass(op.outcome)}">` +
      cell(`#${op.id}`) +
      cell(`c${op.client}`) +
      cell(formatInput(op.input)) +
      cell(formatResult(op)) +
      cell(op.outcome) +
      cell(formatMs(op.invokeMs)) +
      cell(op.completeMs === undefined ? '—' : formatMs(op.completeMs)) +
      cell(op.member ?? '') +
      cell(op.revision === undefined ? '' : String(op.revision)) +
      cell(truncate(op.error ?? '', titleCharsMax)) +
      `</tr>`,
  );
  return (
    `<table class="ops"><thead><tr><th>op</th><th>client</th><th>input</th><th>output</th><th>outcome</th>` +
    `<th>invoked</th><th>completed</th><th>member</th><th>revision</th><th>error</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}
