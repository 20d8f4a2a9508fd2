// The top of the page: the verdict first (pass or fail, every check with its
// explanation and numbers), then what was run — the configuration, the
// command that replays it, the operation counts — and the list of faults.

import type { CheckVerdict, ChaosConfig, RunSummary } from '../types.js';
import { escapeText, truncate } from './escape.js';
import { formatMs } from './format.js';
import type { HistoryView } from './history-view.js';
import { explanationCharsMax, faultsDrawnMax, valueCharsMax } from './limits.js';
import { faultColor } from './palette.js';

/** A run passes only when the summary says so and no verdict failed. */
export function runPassed(summary: RunSummary): boolean {
  return summary.ok && summary.verdicts.every((v) => v.ok);
}

/** The command line that runs the same schedule again (same seed). */
export function replayCommand(c: ChaosConfig): string {
  const args = [
    'capstan chaos',
    `--replicas ${c.replicas}`,
    `--duration ${c.durationMs / 1_000}s`,
    `--nemesis ${c.nemeses.join(',')}`,
    `--workload ${c.workload}`,
    `--clients ${c.clients}`,
    `--rate ${c.ratePerSecond}`,
    `--seed ${c.seed}`,
  ];
  if (c.endpoints !== undefined) args.push(`--endpoints ${c.endpoints.join(',')}`);
  return args.join(' ');
}

export function bannerSection(summary: RunSummary): string {
  const pass = runPassed(summary);
  const c = summary.config;
  const failed = summary.verdicts.filter((v) => !v.ok).length;
  const what =
    `${c.workload} workload · ${c.replicas} replicas · ${c.clients} clients · ` +
    `nemeses ${c.nemeses.length > 0 ? c.nemeses.join(', ') : 'none'} · seed ${c.seed} · ` +
    `${formatMs(summary.elapsedMs)} · started ${summary.startedAt}`;
  return (
    `<header class="banner ${pass ? 'pass' : 'fail'}"><h1>${pass ? 'PASS' : 'FAIL'}` +
    `<small> capstan chaos — ${pass ? `all ${summary.verdicts.length} checks passed` : `${failed} of ${summary.verdicts.length} checks failed`}</small></h1>` +
    `<p>${escapeText(what)}</p></header>`
  );
}

function statsText(stats: Record<string, number> | undefined): string {
  if (stats === undefined) return '';
  return Object.entries(stats)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString('en-US') : String(v)}`)
    .join(' · ');
}

function verdictRow(v: CheckVerdict): string {
  const explanation = truncate(v.explanation ?? '', explanationCharsMax);
  const witness =
    v.witness !== undefined && v.witness.length > 0
      ? `<p class="note">witness: ${v.witness.length} operations, drawn below</p>`
      : '';
  return (
    `<tr class="verdict ${v.ok ? 'pass' : 'fail'}"><td class="mark">${v.ok ? '✔' : '✘'}</td>` +
    `<td class="check">${escapeText(v.check)}</td>` +
    `<td>${explanation === '' ? (v.ok ? 'passed' : 'failed') : `<pre class="explanation">${escapeText(explanation)}</pre>`}${witness}</td>` +
    `<td class="stats">${escapeText(statsText(v.stats))}</td></tr>`
  );
}

export function verdictsSection(summary: RunSummary): string {
  const rows =
    summary.verdicts.length === 0
      ? `<tr><td colspan="4">No checks ran.</td></tr>`
      : summary.verdicts.map(verdictRow).join('');
  return (
    `<section id="verdicts"><h2>Checks</h2><table class="verdicts"><thead><tr><th></th><th>check</th>` +
    `<th>explanation</th><th>stats</th></tr></thead><tbody>${rows}</tbody></table></section>`
  );
}

function configValue(v: unknown): string {
  if (v === undefined) return '—';
  if (Array.isArray(v)) return v.length === 0 ? '—' : v.map(String).join(', ');
  return truncate(String(v), valueCharsMax * 2);
}

export function runSection(summary: RunSummary, view: HistoryView): string {
  const pending = view.ops.filter((op) => op.outcome === 'pending').length;
  const counts: [string, string][] = [
    ['operations', String(summary.ops.total)],
    ['ok', String(summary.ops.ok)],
    ['failed', String(summary.ops.fail)],
    ['unknown', String(summary.ops.unknown)],
    ['never completed', String(pending)],
    ['faults', String(summary.faults)],
    ['leader samples', String(view.leaders.length)],
    ['watchers', String(view.watches.length)],
    ['elapsed', formatMs(summary.elapsedMs)],
    ['started', summary.startedAt],
  ];
  const config = Object.entries(summary.config).map(([k, v]): [string, string] => [
    k,
    configValue(v),
  ]);
  const table = (rows: [string, string][], cls: string): string =>
    `<table class="${cls}">${rows.map(([k, v]) => `<tr><th>${escapeText(k)}</th><td>${escapeText(v)}</td></tr>`).join('')}</table>`;
  return (
    `<section id="run"><h2>Run</h2><p>Replay: <code>${escapeText(replayCommand(summary.config))}</code></p>` +
    `<div class="side">${table(counts, 'counts')}${table(config, 'config')}</div></section>`
  );
}

export function faultsSection(view: HistoryView): string {
  if (view.faults.length === 0) {
    return `<section id="faults"><h2>Faults</h2><p class="note">No faults were applied.</p></section>`;
  }
  const rows = view.faults.slice(0, faultsDrawnMax).map((f) => {
    const duration = f.endMs === undefined ? 'not healed' : formatMs(f.endMs - f.startMs);
    return (
      `<tr><td><span class="sw" style="background:${faultColor(f.kind)}"></span>${escapeText(f.kind)}</td>` +
      `<td>${escapeText(f.targets.join(' '))}</td><td>${escapeText(truncate(f.detail, valueCharsMax * 2))}</td>` +
      `<td>${escapeText(formatMs(f.startMs))}</td><td>${escapeText(duration)}</td></tr>`
    );
  });
  const more =
    view.faults.length > faultsDrawnMax
      ? `<p class="note">${view.faults.length - faultsDrawnMax} more not listed.</p>`
      : '';
  return (
    `<section id="faults"><h2>Faults</h2><table class="faults"><thead><tr><th>kind</th><th>targets</th>` +
    `<th>detail</th><th>start</th><th>duration</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more}</section>`
  );
}
