// The append workload's verdicts. Each client appends unique elements to a
// few keys, each append a txn guarded by the mod revision its read
// returned, so a key's value is a list that only ever grows at its end.
// Judged against the final read of every key after healing:
//  - append-prefix: every 'ok' read of a key is a prefix of its final list,
//    and of every read that began after it returned (and, for a read that
//    began after an append was acknowledged, contains that element); no
//    element appears twice; every element is one a client tried to append,
//    and not one whose append definitely did not happen ('fail', or a txn
//    whose compare failed); an append acknowledged before another began
//    comes first in the list.
//  - lost-writes: every acknowledged append is in its key's final list.

import type { CheckVerdict, HistoryRecord, OpRecord } from '../types.js';
import {
  describeOp,
  effectiveOutcome,
  firstOf,
  inputOf,
  lastWhere,
  opRecords,
  outputOf,
} from './records.js';
import type { AppendInput, AppendReadOutput } from './shapes.js';

interface Read {
  op: OpRecord;
  list: string[];
}

interface KeyHistory {
  appends: Map<string, OpRecord>;
  reads: Read[];
}

export function checkAppend(history: readonly HistoryRecord[]): CheckVerdict[] {
  const ops = opRecords(history, ['append']);
  const final = lastWhere(ops, (op) => {
    const input = inputOf<AppendInput>(op);
    return input.f === 'read-all' && input.final === true && effectiveOutcome(op) === 'ok';
  });
  if (final === undefined) {
    const explanation = 'no final read of the lists succeeded, so nothing can be judged';
    return [
      { check: 'append-prefix', ok: false, explanation },
      { check: 'lost-writes', ok: false, explanation },
    ];
  }
  const prefix = (final.input as { prefix: string }).prefix;
  const finalLists = new Map(
    Object.entries(outputOf<{ lists: Record<string, string[]> }>(final).lists),
  );
  const keys = byKey(ops);
  const prefixProblems: string[] = [];
  const lostProblems: string[] = [];
  let acknowledged = 0;
  let reads = 0;
  for (const key of new Set([...keys.keys(), ...finalLists.keys()])) {
    if (!key.startsWith(prefix)) continue;
    const h = keys.get(key) ?? { appends: new Map(), reads: [] };
    const end = finalLists.get(key) ?? [];
    reads += h.reads.length;
    prefixProblems.push(...listProblems(key, end, h));
    for (const read of h.reads) prefixProblems.push(...readProblems(key, read, end));
    const position = new Map<string, number>();
    end.forEach((e, i) => position.set(e, position.get(e) ?? i)); // first, if twice
    prefixProblems.push(...orderProblems(key, h, end, position));
    for (const [element, op] of h.appends) {
      if (!isAcknowledged(op)) continue;
      acknowledged++;
      if (!position.has(element)) {
        lostProblems.push(`${describeOp(op)}: '${element}' is not in the final list of ${key}`);
      }
    }
  }
  return [
    verdict('append-prefix', prefixProblems, { reads, keys: keys.size }),
    verdict('lost-writes', lostProblems, { acknowledgedAppends: acknowledged }),
  ];
}

/** The final list itself: no duplicates, nothing nobody appended, nothing that did not happen. */
function listProblems(key: string, end: readonly string[], h: KeyHistory): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const element of end) {
    if (seen.has(element)) problems.push(`'${element}' appears twice in the final list of ${key}`);
    seen.add(element);
    const problem = notAppended(key, element, h);
    if (problem !== undefined) problems.push(`${problem} (final list)`);
  }
  return problems;
}

function notAppended(key: string, element: string, h: KeyHistory): string | undefined {
  const op = h.appends.get(element);
  if (op === undefined) return `'${element}' in ${key} was never appended there`;
  const outcome = effectiveOutcome(op);
  if (outcome === 'fail') return `'${element}' is in ${key}, but ${describeOp(op)} failed`;
  if (outcome === 'ok' && !outputOf<{ succeeded: boolean }>(op).succeeded) {
    return `'${element}' is in ${key}, but ${describeOp(op)} said its compare failed`;
  }
  return undefined;
}

function readProblems(key: string, read: Read, end: readonly string[]): string[] {
  const problems: string[] = [];
  const mismatch = read.list.findIndex((e, i) => end[i] !== e);
  if (mismatch >= 0 || read.list.length > end.length) {
    const at = mismatch >= 0 ? mismatch : end.length;
    problems.push(
      `${describeOp(read.op)}: not a prefix of the final list of ${key} ` +
        `(element ${at}: read '${read.list[at]}', final '${end[at] ?? '(end)'}')`,
    );
  }
  const seen = new Set<string>();
  for (const element of read.list) {
    if (seen.has(element)) problems.push(`${describeOp(read.op)}: '${element}' appears twice`);
    seen.add(element);
  }
  return problems;
}

/**
 * Real-time order. Reads: one that began after another returned is at least as long, and holds
 * every append acknowledged before it began. Appends: one acknowledged before another began
 * comes first in the list. (Reads that are not prefixes of the final list are reported above;
 * here every list is measured by its length.)
 */
function orderProblems(
  key: string,
  h: KeyHistory,
  end: readonly string[],
  position: ReadonlyMap<string, number>,
): string[] {
  const problems: string[] = [];
  const acked = [...h.appends]
    .filter(([e, op]) => isAcknowledged(op) && position.has(e))
    .map(([element, op]) => ({ op, at: position.get(element)! }))
    .sort((a, b) => a.op.completeMs! - b.op.completeMs!);
  const byComplete = [...h.reads].sort((a, b) => a.op.completeMs! - b.op.completeMs!);
  const byInvoke = [...h.reads].sort((a, b) => a.op.invokeMs - b.op.invokeMs);
  let longest: Read | undefined;
  let needed: { op: OpRecord; at: number } | undefined;
  let i = 0;
  let j = 0;
  for (const read of byInvoke) {
    for (; i < byComplete.length && byComplete[i]!.op.completeMs! < read.op.invokeMs; i++) {
      const done = byComplete[i]!;
      if (longest === undefined || done.list.length > longest.list.length) longest = done;
    }
    for (; j < acked.length && acked[j]!.op.completeMs! < read.op.invokeMs; j++) {
      if (needed === undefined || acked[j]!.at > needed.at) needed = acked[j]!;
    }
    if (longest !== undefined && read.list.length < longest.list.length) {
      problems.push(
        `${describeOp(read.op)} read ${read.list.length} elements of ${key} after ` +
          `${describeOp(longest.op)} had read ${longest.list.length}`,
      );
    } else if (needed !== undefined && read.list.length <= needed.at) {
      problems.push(
        `${describeOp(read.op)}: misses '${end[needed.at]}', acknowledged before it began ` +
          `by ${describeOp(needed.op)}`,
      );
    }
  }
  // Walking the list backwards: the earliest acknowledgement among the elements after position p
  // must not precede the invocation of the append at p.
  let earliest: OpRecord | undefined;
  for (let p = end.length - 1; p >= 0; p--) {
    const op = h.appends.get(end[p]!);
    if (op === undefined) continue;
    if (earliest !== undefined && earliest.completeMs! < op.invokeMs) {
      problems.push(
        `${describeOp(op)} comes before ${describeOp(earliest)} in ${key}, ` +
          'though that one was acknowledged before this one began',
      );
    }
    if (isAcknowledged(op) && (earliest === undefined || op.completeMs! < earliest.completeMs!)) {
      earliest = op;
    }
  }
  return problems;
}

function isAcknowledged(op: OpRecord): boolean {
  return effectiveOutcome(op) === 'ok' && outputOf<{ succeeded: boolean }>(op).succeeded;
}

function byKey(ops: readonly OpRecord[]): Map<string, KeyHistory> {
  const keys = new Map<string, KeyHistory>();
  const of = (key: string): KeyHistory => {
    let h = keys.get(key);
    if (h === undefined) keys.set(key, (h = { appends: new Map(), reads: [] }));
    return h;
  };
  for (const op of ops) {
    const input = inputOf<AppendInput>(op);
    if (input.f === 'append') {
      of(input.key).appends.set(input.value, op);
    } else if (input.f === 'read' && effectiveOutcome(op) === 'ok') {
      of(input.key).reads.push({ op, list: outputOf<AppendReadOutput>(op).list });
    }
  }
  return keys;
}

function verdict(
  check: string,
  problems: readonly string[],
  stats: Record<string, number>,
): CheckVerdict {
  if (problems.length === 0) return { check, ok: true, stats };
  return {
    check,
    ok: false,
    explanation: `${problems.length} violations: ${firstOf(problems)}`,
    stats: { ...stats, violations: problems.length },
  };
}
