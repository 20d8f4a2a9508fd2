// checkWatches: did every watcher receive what etcd's watch API promises,
// given what the store committed? Pure (no I/O, no clock), deterministic, and
// linear in the observed events plus, per watcher, the committed events in its
// range. The inputs are described in watch-types.ts, the rules in
// watch-watcher.ts and watch-content.ts; formatWatchReport prints a result.
//
// Malformed input (revisions out of order, an event whose modRevision is not
// its revision, a resumed segment without a start revision) is the caller's
// mistake and throws HistoryError; anything the store or the watch path could
// have caused is a violation.

import { HistoryError } from './errors.js';
import { IndexedHistory } from './watch-history.js';
import { DEFAULT_MAX_WATCH_VIOLATIONS, ViolationSink } from './watch-sink.js';
import type {
  KvHistory,
  WatchCheckOptions,
  WatchCheckResult,
  WatchViolation,
  WatcherObservation,
} from './watch-types.js';
import { WatcherCheck } from './watch-watcher.js';

export { DEFAULT_MAX_WATCH_VIOLATIONS } from './watch-sink.js';

export function checkWatches(
  history: KvHistory,
  watchers: readonly WatcherObservation[],
  options: WatchCheckOptions = {},
): WatchCheckResult {
  const maxViolations = options.maxViolations ?? DEFAULT_MAX_WATCH_VIOLATIONS;
  if (!Number.isSafeInteger(maxViolations) || maxViolations < 1) {
    throw new HistoryError(`maxViolations ${maxViolations} must be a positive integer`);
  }
  const indexed = IndexedHistory.build(history);
  const sink = new ViolationSink(maxViolations);
  sink.stats.committedEvents = indexed.entries.length;
  const ids = new Set<string>();
  for (const watcher of watchers) {
    if (ids.has(watcher.id)) throw new HistoryError(`two watchers are named ${watcher.id}`);
    ids.add(watcher.id);
    new WatcherCheck(indexed, watcher, sink).run();
  }
  if (sink.count === 0) return { ok: true, stats: sink.stats };
  return {
    ok: false,
    violations: sink.violations,
    omittedViolations: sink.omitted,
    stats: sink.stats,
  };
}

/** One line per violation: `[kind] watcher w1 seg 0 resp 2 rev 7 key "a": message`. */
export function formatWatchViolation(v: WatchViolation): string {
  const place = [
    `watcher ${v.watcherId}`,
    v.segment === undefined ? '' : `seg ${v.segment}`,
    v.response === undefined ? '' : `resp ${v.response}`,
    `rev ${v.revision}`,
    v.key === undefined ? '' : `key ${v.key}`,
  ].filter((part) => part !== '');
  return `[${v.kind}] ${place.join(' ')}: ${v.message}`;
}

/** A human-readable report: a summary line, counts by kind, then each violation. */
export function formatWatchReport(result: WatchCheckResult): string {
  const s = result.stats;
  const scope =
    `${s.watchers} watchers, ${s.segments} segments, ${s.responses} responses, ` +
    `${s.observedEvents} events observed, ${s.requiredEvents} required, ` +
    `${s.committedEvents} committed`;
  if (result.ok) return `watch check: ok (${scope})`;
  const total = result.violations.length + result.omittedViolations;
  const byKind = new Map<string, number>();
  for (const v of result.violations) byKind.set(v.kind, (byKind.get(v.kind) ?? 0) + 1);
  const kinds = [...byKind].map(([kind, n]) => `${n} ${kind}`).join(', ');
  const lines = [`watch check: ${total} violations (${kinds}) in ${scope}`];
  for (const v of result.violations) lines.push(`  ${formatWatchViolation(v)}`);
  if (result.omittedViolations > 0) {
    lines.push(`  … and ${result.omittedViolations} more not kept (maxViolations)`);
  }
  return lines.join('\n');
}
