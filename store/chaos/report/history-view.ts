// The records of a run, sorted into what each part of the page draws, plus
// the time span and the clients and members they mention. Computed once per
// page; nothing here formats or escapes.

import type {
  FaultRecord,
  HistoryRecord,
  LeaderSample,
  OpRecord,
  RunSummary,
  WatchRecord,
} from '../types.js';

export interface HistoryView {
  ops: OpRecord[];
  faults: FaultRecord[];
  leaders: LeaderSample[];
  watches: WatchRecord[];
  /** Every client with an operation, and every client 0..config.clients-1, ascending. */
  clients: number[];
  /** Every member named as a leader, target or answerer, sorted: its index picks its color. */
  members: string[];
  /** The drawn time span, in ms since the run started: [0, endMs]. */
  endMs: number;
}

export function viewOf(records: readonly HistoryRecord[], summary: RunSummary): HistoryView {
  const ops: OpRecord[] = [];
  const faults: FaultRecord[] = [];
  const leaders: LeaderSample[] = [];
  const watches: WatchRecord[] = [];
  const clients = new Set<number>();
  const members = new Set<string>();
  let endMs = finiteOr(summary.elapsedMs, 0);
  const seen = (t: number | undefined): void => {
    if (t !== undefined && Number.isFinite(t) && t > endMs) endMs = t;
  };
  for (let i = 0; i < summary.config.clients; i++) clients.add(i);
  for (const r of records) {
    switch (r.type) {
      case 'op':
        ops.push(r);
        clients.add(r.client);
        if (r.member !== undefined) members.add(r.member);
        seen(r.invokeMs);
        seen(r.completeMs);
        break;
      case 'fault':
        faults.push(r);
        for (const t of r.targets) members.add(t);
        seen(r.startMs);
        seen(r.endMs);
        break;
      case 'leader':
        leaders.push(r);
        if (r.leader !== undefined) members.add(r.leader);
        seen(r.atMs);
        break;
      case 'watch':
        watches.push(r);
        break;
    }
  }
  leaders.sort((a, b) => a.atMs - b.atMs);
  faults.sort((a, b) => a.startMs - b.startMs);
  return {
    ops,
    faults,
    leaders,
    watches,
    clients: [...clients].sort((a, b) => a - b),
    members: [...members].sort(),
    endMs: Math.max(endMs, 1),
  };
}

function finiteOr(n: number, fallback: number): number {
  return Number.isFinite(n) ? n : fallback;
}

/** Where an operation's bar ends: its completion, or the end of the run if it never completed. */
export function opEndMs(op: OpRecord, endMs: number): number {
  return op.completeMs ?? endMs;
}
