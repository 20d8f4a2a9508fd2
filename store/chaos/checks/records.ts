// Small helpers every check uses to read a history: pick the operations,
// read their inputs in the workload's shape, and describe one in a sentence.

import { HistoryError } from '../../check/errors.js';
import type { HistoryRecord, OpRecord, WorkloadKind } from '../types.js';

/** The operations of a history, in record order; only those of `workloads` when given. */
export function opRecords(
  history: readonly HistoryRecord[],
  workloads?: readonly WorkloadKind[],
): OpRecord[] {
  const ops: OpRecord[] = [];
  for (const r of history) {
    if (r.type !== 'op') continue;
    if (workloads !== undefined && !workloads.includes(r.workload)) continue;
    ops.push(r);
  }
  return ops;
}

/** The input in the workload's shape; `f` must be a string (the shapes are shapes.ts's). */
export function inputOf<T extends { f: string }>(op: OpRecord): T {
  if (typeof op.input['f'] !== 'string') {
    throw new HistoryError(`operation ${op.id} has no input.f: ${JSON.stringify(op.input)}`);
  }
  return op.input as unknown as T;
}

/** The output of an 'ok' operation; an ok operation without one is a malformed history. */
export function outputOf<T>(op: OpRecord): T {
  if (op.output === undefined) {
    throw new HistoryError(`operation ${op.id} is ${op.outcome} but has no output`);
  }
  return op.output as unknown as T;
}

/** Completed, or not: an operation still pending at the end counts as outcome-unknown. */
export function effectiveOutcome(op: OpRecord): 'ok' | 'fail' | 'unknown' {
  return op.outcome === 'pending' ? 'unknown' : op.outcome;
}

/** When it returned; Infinity unless it is 'ok' or 'fail' with a completion time. */
export function returnMs(op: OpRecord): number {
  const outcome = effectiveOutcome(op);
  if (outcome === 'unknown' || op.completeMs === undefined) return Infinity;
  return op.completeMs;
}

/** `#12 client 3 put {"key":"k1","value":"3.7"} -> ok {…} @ rev 40 [120.5, 130.2] ms`. */
export function describeOp(op: OpRecord): string {
  const { f, ...rest } = op.input;
  const outcome = effectiveOutcome(op);
  const output = op.output === undefined ? '' : ` ${clip(JSON.stringify(op.output))}`;
  const revision = op.revision === undefined ? '' : ` @ rev ${op.revision}`;
  const end = op.completeMs === undefined ? '∞' : ms(op.completeMs);
  const error = op.error === undefined ? '' : ` (${op.error})`;
  return (
    `#${op.id} client ${op.client} ${String(f)} ${JSON.stringify(rest)} -> ` +
    `${outcome}${output}${revision}${error} [${ms(op.invokeMs)}, ${end}] ms`
  );
}

/** Past this many characters an operation's output is cut in descriptions (a final read's is huge). */
const DESCRIBE_OUTPUT_CHARS_MAX = 160;

function clip(s: string): string {
  return s.length <= DESCRIBE_OUTPUT_CHARS_MAX ? s : `${s.slice(0, DESCRIBE_OUTPUT_CHARS_MAX)}…`;
}

export function ms(t: number): string {
  return t.toFixed(1);
}

/** The first `max` items of a list of problems, then how many more. */
export function firstOf(problems: readonly string[], max = 3): string {
  const shown = problems.slice(0, max).join('; ');
  const more = problems.length - max;
  return more > 0 ? `${shown}; and ${more} more` : shown;
}

/** The last item that satisfies `test` (Array.prototype.findLast is ES2023). */
export function lastWhere<T>(items: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return items[i];
  return undefined;
}
