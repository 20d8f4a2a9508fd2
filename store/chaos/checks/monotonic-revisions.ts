// Revisions never go backwards for a client: in the order a client's 'ok'
// operations completed, their header revisions never decrease. A write
// answers with the revision it committed at, a linearizable read (ReadIndex)
// with a revision at least that of everything committed before it began, so
// a client that moves to another member after a failure must never see an
// older store. Serializable reads are exempt: a lagging (or restarted)
// member may legitimately serve them from an older revision.

import type { CheckVerdict, HistoryRecord, OpRecord } from '../types.js';
import { describeOp, firstOf, opRecords } from './records.js';

export function checkMonotonicRevisions(history: readonly HistoryRecord[]): CheckVerdict {
  const byClient = new Map<number, OpRecord[]>();
  for (const op of opRecords(history)) {
    if (op.outcome !== 'ok' || op.revision === undefined || op.input['serializable'] === true) {
      continue;
    }
    let list = byClient.get(op.client);
    if (list === undefined) byClient.set(op.client, (list = []));
    list.push(op);
  }
  const problems: string[] = [];
  let checked = 0;
  for (const list of byClient.values()) {
    list.sort((a, b) => (a.completeMs ?? 0) - (b.completeMs ?? 0));
    let previous: OpRecord | undefined;
    for (const op of list) {
      checked++;
      if (previous !== undefined && op.revision! < previous.revision!) {
        problems.push(
          `client ${op.client}: ${describeOp(op)} came after ${describeOp(previous)} ` +
            `(revision ${previous.revision} -> ${op.revision})`,
        );
      }
      if (previous === undefined || op.revision! >= previous.revision!) previous = op;
    }
  }
  const stats = { operations: checked, clients: byClient.size };
  if (problems.length === 0) return { check: 'monotonic-revisions', ok: true, stats };
  return {
    check: 'monotonic-revisions',
    ok: false,
    explanation: `revisions went backwards ${problems.length} times: ${firstOf(problems)}`,
    stats: { ...stats, violations: problems.length },
  };
}
