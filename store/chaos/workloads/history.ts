// The history a workload's check() judges: the run's records plus the final
// reads check() itself recorded. The runner passes its live history, which
// may already hold those records, so each record is taken once.

import type { HistoryRecord } from '../types.js';

export function withRecords(
  history: readonly HistoryRecord[],
  extra: readonly HistoryRecord[],
): HistoryRecord[] {
  const have = new Set(history);
  return [...history, ...extra.filter((r) => !have.has(r))];
}
