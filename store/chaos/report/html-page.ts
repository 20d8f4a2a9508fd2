// renderHtml: the whole report as one self-contained page. Pure: the same
// records and summary always give the same string, and nothing is fetched —
// the Content-Security-Policy forbids every network load and every script,
// so the page works from disk and an escaping mistake cannot run code.

import type { HistoryRecord, RunSummary } from '../types.js';
import { escapeText } from './escape.js';
import {
  bannerSection,
  faultsSection,
  runPassed,
  runSection,
  verdictsSection,
} from './header-section.js';
import { viewOf } from './history-view.js';
import { leaderSection } from './leader-section.js';
import { pageStyle } from './page-style.js';
import { runScale } from './scale.js';
import { throughputSection } from './throughput-section.js';
import { timelineSection } from './timeline-section.js';
import { witnessSection } from './witness-section.js';

const contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

export function renderHtml(records: readonly HistoryRecord[], summary: RunSummary): string {
  const view = viewOf(records, summary);
  const scale = runScale(view.endMs);
  const witness = new Set<number>();
  for (const v of summary.verdicts) if (!v.ok) for (const id of v.witness ?? []) witness.add(id);
  const title = `capstan chaos: ${runPassed(summary) ? 'PASS' : 'FAIL'} — ${summary.config.workload}, seed ${summary.config.seed}`;
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeText(title)}</title><style>${pageStyle}</style></head><body>`,
    bannerSection(summary),
    verdictsSection(summary),
    witnessSection(view, summary.verdicts),
    runSection(summary, view),
    timelineSection(view, scale, witness),
    leaderSection(view, scale),
    throughputSection(view, scale),
    faultsSection(view),
    '<footer>Written by capstan chaos from history.jsonl and summary.json in this directory; ',
    'times are milliseconds since the run started. Hover any bar for its details.</footer>',
    '</body></html>\n',
  ].join('');
}
