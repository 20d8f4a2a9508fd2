// The fault windows, shaded across a whole chart so that every row (client,
// leader strip, throughput) shows what was broken at that moment. Labels go in
// lanes above the chart; a label that fits in no lane is left to the hover
// title.

import type { FaultRecord } from '../types.js';
import { escapeText, truncate } from './escape.js';
import { formatMs } from './format.js';
import { faultLabelLanesMax, faultsDrawnMax, titleCharsMax } from './limits.js';
import { faultColor } from './palette.js';
import { px, type TimeScale } from './scale.js';

export const faultLanePx = 13;
/** Approximate width of one label character (11px sans-serif). */
const labelCharPx = 6;

export function faultTitle(f: FaultRecord): string {
  const end = f.endMs === undefined ? 'not healed' : formatMs(f.endMs);
  const targets = f.targets.length > 0 ? ` ${f.targets.join(' ')}` : '';
  return truncate(
    `${f.kind}${targets}: ${f.detail}\n${formatMs(f.startMs)} → ${end}`,
    titleCharsMax,
  );
}

function faultLabel(f: FaultRecord): string {
  return truncate(f.targets.length > 0 ? `${f.kind} ${f.targets.join(' ')}` : f.kind, 40);
}

/** Height of the label band `faultWindows(..., labels=true)` needs above the chart. */
export function faultLabelBandPx(faults: readonly FaultRecord[]): number {
  return faults.length === 0 ? 0 : faultLanePx * faultLabelLanesMax + 4;
}

/**
 * Shaded rectangles, one per fault (class "fault-window"), spanning [topPx, topPx + heightPx];
 * with `labels`, their names in lanes ending at topPx.
 */
export function faultWindows(
  scale: TimeScale,
  faults: readonly FaultRecord[],
  topPx: number,
  heightPx: number,
  labels: boolean,
): string {
  const out: string[] = [];
  const laneEndPx: number[] = new Array<number>(faultLabelLanesMax).fill(-Infinity);
  for (const f of faults.slice(0, faultsDrawnMax)) {
    const x1 = scale.x(f.startMs);
    const x2 = Math.max(scale.x(f.endMs ?? scale.endMs), x1 + 1);
    const title = escapeText(faultTitle(f));
    const open = f.endMs === undefined ? ' open' : '';
    out.push(
      `<rect class="fault-window${open}" x="${px(x1)}" y="${px(topPx)}" width="${px(x2 - x1)}" ` +
        `height="${px(heightPx)}" fill="${faultColor(f.kind)}"><title>${title}</title></rect>`,
    );
    if (!labels) continue;
    const text = faultLabel(f);
    const lane = laneEndPx.findIndex((end) => end < x1);
    if (lane < 0) continue;
    laneEndPx[lane] = x1 + text.length * labelCharPx + 6;
    const y = topPx - 4 - lane * faultLanePx;
    out.push(
      `<text class="fault-label" x="${px(x1 + 2)}" y="${px(y)}" fill="${faultColor(f.kind)}">` +
        `${escapeText(text)}<title>${title}</title></text>`,
    );
  }
  return out.join('');
}

/** A sentence for the page when some faults were not drawn. */
export function faultsOmittedNote(faults: readonly FaultRecord[]): string {
  const omitted = faults.length - faultsDrawnMax;
  return omitted > 0
    ? `<p class="note">${omitted} of ${faults.length} fault windows are not drawn (limit ${faultsDrawnMax}).</p>`
    : '';
}
