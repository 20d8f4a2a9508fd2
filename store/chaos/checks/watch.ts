// The watch workload's verdicts, against the KV history read back at the end
// (every event of the run, from one watch on a healthy member):
//  - watch: store/check's validator over every watcher's observations
//    (ordered, unique, reliable, atomic, resumable, bookmarkable, and the
//    content of each event), plus anything the workload noticed about a
//    watcher that ended early or never caught up.
//  - lost-writes: every acknowledged write is in the history at the revision
//    it was acknowledged at, with its value; and every value the history
//    holds under the workload's prefix was written by an operation that did
//    not fail (a 'fail' that the store executed anyway is a client bug or a
//    server one: both lose the user's picture of what happened).

import { checkWatches, formatWatchViolation } from '../../check/index.js';
import type { KvHistory, WatchBytes, WatcherObservation } from '../../check/index.js';
import type { CheckVerdict, HistoryRecord, OpRecord } from '../types.js';
import { describeOp, effectiveOutcome, firstOf, inputOf, opRecords, outputOf } from './records.js';
import type { WatchInput, WatchWriteOp } from './shapes.js';

/** How many violations the explanation quotes (the count is always given). */
const EXPLAIN_VIOLATIONS_MAX = 3;

export function checkWatchVerdict(
  kv: KvHistory,
  observations: readonly WatcherObservation[],
  /** Problems the workload saw itself: a watcher ended with an error, or never caught up. */
  notes: readonly string[] = [],
): CheckVerdict {
  const result = checkWatches(kv, observations);
  const s = result.stats;
  const stats = {
    watchers: s.watchers,
    segments: s.segments,
    responses: s.responses,
    observedEvents: s.observedEvents,
    requiredEvents: s.requiredEvents,
    committedEvents: s.committedEvents,
    progressNotifications: s.progressNotifications,
  };
  const problems = result.ok ? [] : result.violations.map(formatWatchViolation);
  const total = problems.length + (result.ok ? 0 : result.omittedViolations) + notes.length;
  if (total === 0) return { check: 'watch', ok: true, stats };
  return {
    check: 'watch',
    ok: false,
    explanation: `${total} watch violations: ${firstOf([...notes, ...problems], EXPLAIN_VIOLATIONS_MAX)}`,
    stats: { ...stats, violations: total },
  };
}

export function checkWatchLostWrites(
  history: readonly HistoryRecord[],
  kv: KvHistory,
  prefix: string,
): CheckVerdict {
  const ops = opRecords(history, ['watch']);
  const committed = new Map<number, Map<string, { type: string; value: string }>>();
  for (const r of kv.revisions) {
    const events = new Map<string, { type: string; value: string }>();
    for (const e of r.events) events.set(text(e.key), { type: e.type, value: text(e.value) });
    committed.set(r.revision, events);
  }
  const knownFrom = kv.knownFrom ?? 1;
  const knownThrough = kv.knownThrough ?? kv.revisions.at(-1)?.revision ?? knownFrom;
  const problems: string[] = [];
  const writerOf = new Map<string, OpRecord>();
  let acknowledged = 0;
  for (const op of ops) {
    const input = inputOf<WatchInput>(op);
    if (input.f === 'revision' || input.f === 'delete-prefix') continue;
    const writes: WatchWriteOp[] = input.f === 'txn' ? input.ops : [input];
    for (const w of writes) if (w.f === 'put') writerOf.set(`${w.key}\n${w.value}`, op);
    if (effectiveOutcome(op) !== 'ok') continue;
    acknowledged++;
    // A delete that found nothing commits no revision: etcd answers with the
    // current one, which may precede the history read back. Nothing to find.
    if (input.f === 'delete' && outputOf<{ deleted: number }>(op).deleted === 0) continue;
    const revision = op.revision ?? 0;
    if (revision < knownFrom || revision > knownThrough) {
      problems.push(
        `${describeOp(op)}: its revision is outside the history read back (${knownFrom}..${knownThrough})`,
      );
      continue;
    }
    const events = committed.get(revision);
    for (const w of writes) {
      const e = events?.get(w.key);
      if (w.f === 'put' && (e === undefined || e.type !== 'put' || e.value !== w.value)) {
        problems.push(
          `${describeOp(op)}: the history has no put of '${w.value}' to ${w.key} at ${revision}`,
        );
      }
      const deleted = input.f === 'delete' && outputOf<{ deleted: number }>(op).deleted > 0;
      if (w.f === 'delete' && deleted && e?.type !== 'delete') {
        problems.push(`${describeOp(op)}: the history has no delete of ${w.key} at ${revision}`);
      }
    }
  }
  for (const r of kv.revisions) {
    for (const e of r.events) {
      const key = text(e.key);
      if (e.type !== 'put' || !key.startsWith(prefix)) continue;
      const value = text(e.value);
      const writer = writerOf.get(`${key}\n${value}`);
      if (writer === undefined) {
        problems.push(`revision ${r.revision} put '${value}' to ${key}, which no operation wrote`);
      } else if (effectiveOutcome(writer) === 'fail') {
        problems.push(
          `revision ${r.revision} put '${value}' to ${key}, but ${describeOp(writer)} failed`,
        );
      }
    }
  }
  const stats = { acknowledgedWrites: acknowledged, revisions: kv.revisions.length };
  if (problems.length === 0) return { check: 'lost-writes', ok: true, stats };
  return {
    check: 'lost-writes',
    ok: false,
    explanation: `${problems.length} writes disagree with the history: ${firstOf(problems)}`,
    stats: { ...stats, violations: problems.length },
  };
}

function text(b: WatchBytes | undefined): string {
  if (b === undefined) return '';
  return typeof b === 'string'
    ? b
    : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}
