// Latency and throughput over time, in per-second buckets by completion
// time: completed operations per second (ok, and failed or unknown), and the
// p50 and p99 latency of the ok ones. A bucket with no ok operation breaks the
// latency lines instead of dropping them to zero.

import type { OpRecord } from '../types.js';
import { escapeText } from './escape.js';
import { faultWindows } from './fault-layer.js';
import { formatMs } from './format.js';
import type { HistoryView } from './history-view.js';
import { throughputBucketMs, throughputBucketsMax } from './limits.js';
import { chartLeftPx, chartRightPx, niceStep, px, timeAxis, type TimeScale } from './scale.js';

const chartTopPx = 8;
const chartPx = 120;

export interface Bucket {
  startMs: number;
  ok: number;
  /** Failed and unknown operations completing in the bucket. */
  notOk: number;
  /** Latency percentiles of the ok operations; undefined when there were none. */
  p50Ms: number | undefined;
  p99Ms: number | undefined;
}

/** Per-second buckets (wider if the run would need more than throughputBucketsMax). */
export function bucketsOf(
  ops: readonly OpRecord[],
  endMs: number,
): { bucketMs: number; buckets: Bucket[] } {
  const perSecond = Math.ceil(endMs / throughputBucketMs);
  const widen = Math.max(1, Math.ceil(perSecond / throughputBucketsMax));
  const bucketMs = throughputBucketMs * widen;
  const count = Math.max(1, Math.ceil(endMs / bucketMs));
  const latencies: number[][] = Array.from({ length: count }, () => []);
  const notOk = new Array<number>(count).fill(0);
  for (const op of ops) {
    if (op.completeMs === undefined || !Number.isFinite(op.completeMs)) continue;
    const b = Math.min(count - 1, Math.max(0, Math.floor(op.completeMs / bucketMs)));
    if (op.outcome === 'ok') latencies[b]!.push(op.completeMs - op.invokeMs);
    else notOk[b]!++;
  }
  const buckets = latencies.map((l, i) => {
    l.sort((a, b) => a - b);
    return {
      startMs: i * bucketMs,
      ok: l.length,
      notOk: notOk[i]!,
      p50Ms: percentile(l, 0.5),
      p99Ms: percentile(l, 0.99),
    };
  });
  return { bucketMs, buckets };
}

/** Nearest-rank percentile of an ascending list. */
function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

interface Series {
  cls: string;
  value: (b: Bucket) => number | undefined;
}

export function throughputSection(view: HistoryView, scale: TimeScale): string {
  const { bucketMs, buckets } = bucketsOf(view.ops, view.endMs);
  const perSecond = 1_000 / bucketMs;
  const rate = chart(view, scale, buckets, bucketMs, 'ops/s', [
    { cls: 'line ok', value: (b) => b.ok * perSecond },
    { cls: 'line fail', value: (b) => b.notOk * perSecond },
  ]);
  const latency = chart(view, scale, buckets, bucketMs, 'ms', [
    { cls: 'line p50', value: (b) => b.p50Ms },
    { cls: 'line p99', value: (b) => b.p99Ms },
  ]);
  const width = bucketMs === throughputBucketMs ? 'second' : escapeText(formatMs(bucketMs));
  return (
    `<section id="throughput"><h2>Throughput and latency</h2>` +
    `<p class="note">Operations by completion time, per ${width}; latency of the ok operations only.</p>` +
    `<p class="legend"><span class="sw ok"></span>ok/s <span class="sw fail"></span>failed or unknown/s</p>` +
    `<div class="scroll">${rate}</div>` +
    `<p class="legend"><span class="sw p50"></span>p50 latency <span class="sw p99"></span>p99 latency</p>` +
    `<div class="scroll">${latency}</div></section>`
  );
}

function chart(
  view: HistoryView,
  scale: TimeScale,
  buckets: readonly Bucket[],
  bucketMs: number,
  unit: string,
  series: readonly Series[],
): string {
  let max = 0;
  for (const b of buckets) for (const s of series) max = Math.max(max, s.value(b) ?? 0);
  const step = niceStep(max > 0 ? max : 1, 4);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const y = (v: number): number => chartTopPx + chartPx - (v / top) * chartPx;
  const parts: string[] = [];
  for (let v = 0; v <= top + step / 1e6; v += step) {
    parts.push(
      `<line class="grid" x1="${chartLeftPx}" x2="${px(chartLeftPx + scale.widthPx)}" y1="${px(y(v))}" y2="${px(y(v))}"/>`,
      `<text class="tick" x="${chartLeftPx - 6}" y="${px(y(v) + 4)}" text-anchor="end">${trimTick(v)}</text>`,
    );
  }
  parts.push(faultWindows(scale, view.faults, chartTopPx, chartPx, false));
  for (const s of series) {
    const d: string[] = [];
    let pen = 'M';
    for (const b of buckets) {
      const v = s.value(b);
      if (v === undefined) {
        pen = 'M';
        continue;
      }
      d.push(`${pen}${px(scale.x(b.startMs + bucketMs / 2))} ${px(y(v))}`);
      pen = 'L';
    }
    if (d.length > 0) parts.push(`<path class="${s.cls}" d="${d.join('')}"/>`);
  }
  for (const b of buckets) parts.push(hoverBand(b, bucketMs, scale));
  const width = chartLeftPx + scale.widthPx + chartRightPx;
  const height = chartTopPx + chartPx + 18;
  return (
    `<svg class="chart" width="${px(width)}" height="${height}" viewBox="0 0 ${px(width)} ${height}">` +
    `<text class="tick" x="4" y="${chartTopPx + 10}">${unit}</text>` +
    `${parts.join('')}${timeAxis(scale, chartTopPx, chartPx)}</svg>`
  );
}

function trimTick(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(3);
}

/** A transparent band over one bucket whose hover title gives every number of it. */
function hoverBand(b: Bucket, bucketMs: number, scale: TimeScale): string {
  const x1 = scale.x(b.startMs);
  const x2 = scale.x(b.startMs + bucketMs);
  const lat =
    b.p50Ms === undefined
      ? 'no ok operations'
      : `p50 ${formatMs(b.p50Ms)}, p99 ${formatMs(b.p99Ms!)}`;
  return (
    `<rect class="hover" x="${px(x1)}" y="${chartTopPx}" width="${px(Math.max(x2 - x1, 1))}" height="${chartPx}">` +
    `<title>${escapeText(`${formatMs(b.startMs)} – ${formatMs(b.startMs + bucketMs)}: ${b.ok} ok, ${b.notOk} failed or unknown; ${lat}`)}</title></rect>`
  );
}
