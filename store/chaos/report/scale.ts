// A linear time scale from ms since the run started to x pixels, and the
// axis drawn under a time chart. Every time chart of the page uses the same
// margins so that the operations, the leader and the throughput line up.

import { escapeText } from './escape.js';
import { formatMs } from './format.js';
import { timelinePxPerSecond, timelineWidthPxMax, timelineWidthPxMin } from './limits.js';

/** Left margin for row labels, shared by every time chart. */
export const chartLeftPx = 64;
export const chartRightPx = 16;

export interface TimeScale {
  startMs: number;
  endMs: number;
  /** Width of the plot area (without margins). */
  widthPx: number;
  x(ms: number): number;
}

export function timeScale(startMs: number, endMs: number, widthPx: number): TimeScale {
  const span = Math.max(endMs - startMs, 1);
  return {
    startMs,
    endMs,
    widthPx,
    x: (ms) => chartLeftPx + (Math.min(Math.max(ms, startMs), endMs) - startMs) * (widthPx / span),
  };
}

/** The run's scale: wide enough for a few pixels per second, bounded both ways. */
export function runScale(endMs: number): TimeScale {
  const wanted = Math.ceil((endMs / 1_000) * timelinePxPerSecond);
  return timeScale(0, endMs, Math.min(Math.max(wanted, timelineWidthPxMin), timelineWidthPxMax));
}

/** A round step (1, 2 or 5 × 10^k) giving about `count` steps over `span`. */
export function niceStep(span: number, count: number): number {
  const raw = Math.max(span, Number.MIN_VALUE) / Math.max(count, 1);
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

/** Number with a px unit, rounded to a tenth: keeps the SVG small. */
export function px(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** Vertical grid lines and time labels along the bottom of a chart of height `heightPx`. */
export function timeAxis(scale: TimeScale, topPx: number, heightPx: number): string {
  const step = niceStep(scale.endMs - scale.startMs, scale.widthPx / 110);
  const out: string[] = [];
  const first = Math.ceil(scale.startMs / step) * step;
  for (let t = first; t <= scale.endMs + step / 1e6; t += step) {
    const x = px(scale.x(t));
    out.push(
      `<line class="grid" x1="${x}" x2="${x}" y1="${px(topPx)}" y2="${px(topPx + heightPx)}"/>`,
      `<text class="tick" x="${x}" y="${px(topPx + heightPx + 12)}" text-anchor="middle">${escapeText(formatMs(t))}</text>`,
    );
  }
  return out.join('');
}
