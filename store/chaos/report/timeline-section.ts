// The operations per client: one row per client, each operation a bar from
// its invocation to its completion colored by outcome, fault windows shaded
// across every row. Past `individualOpsMax` operations the rows are
// aggregated into fixed-width cells (the page says so), and only the
// operations worth finding — failed, unknown, pending, and the witness — are
// still drawn one by one, so the page stays small for any run length.

import type { OpRecord } from '../types.js';
import { escapeAttr, escapeText, truncate } from './escape.js';
import { faultLabelBandPx, faultsOmittedNote, faultWindows } from './fault-layer.js';
import { formatMs, opDetail } from './format.js';
import { opEndMs, type HistoryView } from './history-view.js';
import {
  aggregateCellPx,
  clientRowPx,
  highlightedOpsMax,
  individualOpsMax,
  titleCharsMax,
} from './limits.js';
import { outcomeClass, outcomeIndex, outcomes } from './palette.js';
import { chartLeftPx, chartRightPx, px, timeAxis, type TimeScale } from './scale.js';

const axisPx = 18;

/** Severity order: a cell takes the class of the worst outcome in it. */
const worstFirst = [3, 2, 1, 0] as const;

export function timelineSection(
  view: HistoryView,
  scale: TimeScale,
  witness: ReadonlySet<number>,
): string {
  const top = faultLabelBandPx(view.faults) + 4;
  const rowOf = new Map(view.clients.map((c, i) => [c, i]));
  const rowsPx = view.clients.length * clientRowPx;
  const width = chartLeftPx + scale.widthPx + chartRightPx;
  const height = top + rowsPx + axisPx;
  const aggregated = view.ops.length > individualOpsMax;
  const parts: string[] = [];
  view.clients.forEach((client, i) => {
    const y = top + i * clientRowPx;
    parts.push(
      `<g class="client-row" data-client="${escapeAttr(String(client))}">` +
        `<rect class="row-bg${i % 2 === 1 ? ' odd' : ''}" x="${chartLeftPx}" y="${y}" width="${px(scale.widthPx)}" height="${clientRowPx}"/>` +
        `<text class="row-label" x="${chartLeftPx - 6}" y="${y + clientRowPx - 3}" text-anchor="end">c${escapeText(String(client))}</text></g>`,
    );
  });
  let note: string;
  if (aggregated) {
    const cells = aggregateCells(view, scale, rowOf, top);
    parts.push(cells.svg);
    // The witness is always drawn (and last, on top); other non-ok operations fill the rest.
    const witnessOps = view.ops.filter((op) => witness.has(op.id)).slice(0, highlightedOpsMax);
    const notOk = view.ops.filter((op) => op.outcome !== 'ok' && !witness.has(op.id));
    const drawn = notOk.slice(0, highlightedOpsMax - witnessOps.length);
    parts.push(
      [...drawn, ...witnessOps].map((op) => opBar(op, view, scale, rowOf, top, witness)).join(''),
    );
    note =
      `<p class="note">${view.ops.length} operations are too many to draw one by one ` +
      `(limit ${individualOpsMax}): each row is aggregated into cells of ${escapeText(formatMs(cells.cellMs))} ` +
      `by invocation time. A cell's color is the worst outcome in it, its shade the number of ` +
      `operations (hover for counts). On top, drawn one by one: ` +
      `${drawn.length} of the ${notOk.length} failed, unknown and pending operations` +
      `${drawn.length < notOk.length ? ` (limit ${highlightedOpsMax})` : ''}` +
      `${witnessOps.length > 0 ? `, and the ${witnessOps.length} of the witness` : ''}.</p>`;
  } else {
    parts.push(view.ops.map((op) => opBar(op, view, scale, rowOf, top, witness)).join(''));
    note = `<p class="note">${view.ops.length} operations, each drawn from invocation to completion.</p>`;
  }
  parts.push(faultWindows(scale, view.faults, top, rowsPx, true));
  parts.push(timeAxis(scale, top, rowsPx));
  return (
    `<section id="timeline"><h2>Operations per client</h2>${note}${faultsOmittedNote(view.faults)}` +
    `<p class="legend"><span class="sw ok"></span>ok <span class="sw fail"></span>failed ` +
    `<span class="sw unknown"></span>unknown (timed out) <span class="sw pending"></span>never completed ` +
    `<span class="sw witness"></span>in the witness <span class="sw fault"></span>fault window</p>` +
    `<div class="scroll"><svg class="chart" width="${px(width)}" height="${px(height)}" viewBox="0 0 ${px(width)} ${px(height)}">` +
    `${parts.join('')}</svg></div></section>`
  );
}

function opBar(
  op: OpRecord,
  view: HistoryView,
  scale: TimeScale,
  rowOf: ReadonlyMap<number, number>,
  top: number,
  witness: ReadonlySet<number>,
): string {
  const row = rowOf.get(op.client)!;
  const x1 = scale.x(op.invokeMs);
  const x2 = Math.max(scale.x(opEndMs(op, view.endMs)), x1 + 1);
  const y = top + row * clientRowPx + 2;
  const cls = `op ${outcomeClass(op.outcome)}${witness.has(op.id) ? ' witness' : ''}`;
  return (
    `<rect class="${cls}" x="${px(x1)}" y="${y}" width="${px(x2 - x1)}" height="${clientRowPx - 4}">` +
    `<title>${escapeText(truncate(opDetail(op), titleCharsMax))}</title></rect>`
  );
}

function aggregateCells(
  view: HistoryView,
  scale: TimeScale,
  rowOf: ReadonlyMap<number, number>,
  top: number,
): { svg: string; cellMs: number } {
  const columns = Math.max(1, Math.ceil(scale.widthPx / aggregateCellPx));
  const cellMs = (scale.endMs - scale.startMs) / columns;
  // counts[row][column * 4 + outcome]
  const counts = view.clients.map(() => new Uint32Array(columns * outcomes.length));
  for (const op of view.ops) {
    const col = Math.min(columns - 1, Math.max(0, Math.floor(op.invokeMs / cellMs)));
    counts[rowOf.get(op.client)!]![col * outcomes.length + outcomeIndex(op.outcome)]!++;
  }
  let busiest = 1;
  for (const row of counts) {
    for (let c = 0; c < columns; c++) busiest = Math.max(busiest, cellTotal(row, c));
  }
  const out: string[] = [];
  counts.forEach((row, r) => {
    const y = top + r * clientRowPx + 2;
    for (let c = 0; c < columns; c++) {
      const total = cellTotal(row, c);
      if (total === 0) continue;
      const base = c * outcomes.length;
      const worst = worstFirst.find((o) => row[base + o]! > 0)!;
      const shade = 0.3 + (0.7 * total) / busiest;
      const detail = outcomes
        .map((o, i) => (row[base + i]! > 0 ? `${row[base + i]} ${o}` : ''))
        .filter((s) => s !== '')
        .join(', ');
      out.push(
        `<rect class="cell ${outcomes[worst]}" x="${px(scale.x(c * cellMs))}" y="${y}" ` +
          `width="${aggregateCellPx}" height="${clientRowPx - 4}" fill-opacity="${shade.toFixed(2)}">` +
          `<title>c${view.clients[r]} ${formatMs(c * cellMs)} – ${formatMs((c + 1) * cellMs)}: ` +
          `${total} ops (${detail})</title></rect>`,
      );
    }
  });
  return { svg: out.join(''), cellMs };
}

function cellTotal(row: Uint32Array, column: number): number {
  const base = column * outcomes.length;
  return row[base]! + row[base + 1]! + row[base + 2]! + row[base + 3]!;
}
