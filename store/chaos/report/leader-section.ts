// The leader over time: a strip colored by the member the run saw as leader,
// grey where no member knew one, with each term change marked. Consecutive
// samples with the same leader and term are one segment; a burst of segments
// too narrow to see is drawn as one dark "changing" segment, so a flapping
// cluster costs the page pixels, not samples.

import type { LeaderSample } from '../types.js';
import { escapeText } from './escape.js';
import { faultWindows } from './fault-layer.js';
import { formatMs } from './format.js';
import type { HistoryView } from './history-view.js';
import { leaderSegmentPxMin } from './limits.js';
import { changingLeaderColor, memberColor, noLeaderColor } from './palette.js';
import { chartLeftPx, chartRightPx, px, timeAxis, type TimeScale } from './scale.js';

const stripTopPx = 16;
const stripPx = 20;
const termLabelGapPx = 28;

interface Segment {
  startMs: number;
  endMs: number;
  leader: string | undefined;
  term: number;
  /** > 1 for a merged burst of short segments. */
  changes: number;
}

function segmentsOf(samples: readonly LeaderSample[], endMs: number): Segment[] {
  const out: Segment[] = [];
  for (const [i, s] of samples.entries()) {
    const next = samples[i + 1]?.atMs ?? endMs;
    const last = out[out.length - 1];
    if (last && last.leader === s.leader && last.term === s.term) last.endMs = next;
    else out.push({ startMs: s.atMs, endMs: next, leader: s.leader, term: s.term, changes: 1 });
  }
  return out;
}

function mergeNarrow(segments: readonly Segment[], scale: TimeScale): Segment[] {
  const out: Segment[] = [];
  const narrow = (s: Segment): boolean =>
    scale.x(s.endMs) - scale.x(s.startMs) < leaderSegmentPxMin;
  for (const s of segments) {
    const last = out[out.length - 1];
    if (last && narrow(s) && (last.changes > 1 || narrow(last))) {
      last.endMs = s.endMs;
      last.changes++;
      last.term = s.term;
    } else {
      out.push({ ...s });
    }
  }
  return out;
}

export function leaderSection(view: HistoryView, scale: TimeScale): string {
  if (view.leaders.length === 0) {
    return `<section id="leader"><h2>Leader over time</h2><p class="note">No leader samples were recorded.</p></section>`;
  }
  const colorOf = new Map(view.members.map((m, i) => [m, memberColor(i)]));
  const segments = mergeNarrow(segmentsOf(view.leaders, view.endMs), scale);
  const parts: string[] = [];
  for (const s of segments) {
    const x1 = scale.x(s.startMs);
    const x2 = Math.max(scale.x(s.endMs), x1 + 1);
    const fill =
      s.changes > 1
        ? changingLeaderColor
        : s.leader === undefined
          ? noLeaderColor
          : colorOf.get(s.leader)!;
    const who =
      s.changes > 1
        ? `${s.changes} leader changes, last term ${s.term}`
        : `${s.leader ?? 'no leader'}, term ${s.term}`;
    parts.push(
      `<rect class="leader-segment" x="${px(x1)}" y="${stripTopPx}" width="${px(x2 - x1)}" height="${stripPx}" fill="${fill}">` +
        `<title>${escapeText(`${who}\n${formatMs(s.startMs)} → ${formatMs(s.endMs)}`)}</title></rect>`,
    );
  }
  parts.push(faultWindows(scale, view.faults, stripTopPx, stripPx, false));
  parts.push(termMarks(view.leaders, scale));
  const height = stripTopPx + stripPx + 18;
  const width = chartLeftPx + scale.widthPx + chartRightPx;
  const legend = view.members
    .map((m) => `<span class="sw" style="background:${colorOf.get(m)!}"></span>${escapeText(m)}`)
    .join(' ');
  return (
    `<section id="leader"><h2>Leader over time</h2>` +
    `<p class="legend">${legend} <span class="sw" style="background:${noLeaderColor}"></span>no leader ` +
    `<span class="sw" style="background:${changingLeaderColor}"></span>changing faster than drawn ` +
    `<span class="term-key">|</span> term change</p>` +
    `<div class="scroll"><svg class="chart" width="${px(width)}" height="${height}" viewBox="0 0 ${px(width)} ${height}">` +
    `<text class="row-label" x="${chartLeftPx - 6}" y="${stripTopPx + 14}" text-anchor="end">leader</text>` +
    `${parts.join('')}${timeAxis(scale, stripTopPx, stripPx)}</svg></div></section>`
  );
}

/** A tick at each sample whose term differs from the previous one; labelled when there is room. */
function termMarks(samples: readonly LeaderSample[], scale: TimeScale): string {
  const out: string[] = [];
  let lastLabelPx = -Infinity;
  let lastMarkPx = -Infinity;
  for (const [i, s] of samples.entries()) {
    if (i > 0 && samples[i - 1]!.term === s.term) continue;
    const x = scale.x(s.atMs);
    if (x - lastMarkPx < 1) continue;
    lastMarkPx = x;
    out.push(
      `<line class="term-change" x1="${px(x)}" x2="${px(x)}" y1="${stripTopPx - 3}" y2="${stripTopPx + stripPx + 3}">` +
        `<title>term ${s.term} from ${escapeText(formatMs(s.atMs))}</title></line>`,
    );
    if (x - lastLabelPx >= termLabelGapPx) {
      lastLabelPx = x;
      out.push(
        `<text class="term-label" x="${px(x + 2)}" y="${stripTopPx - 4}">t${escapeText(String(s.term))}</text>`,
      );
    }
  }
  return out.join('');
}
