// No acknowledged write lost (register and mixed), judged by the final read
// of every key after healing. An acknowledged write w of value v to key k,
// at revision r, is lost when:
//  - k is present at the end with a mod revision below r: the key's last
//    write is older than one the cluster acknowledged; or
//  - k holds something else at the end (or is absent), and the write of
//    that value (or any delete of k) did not come after w: it neither was
//    still running or unanswered when w was invoked, nor was invoked later.

import type { CheckVerdict, HistoryRecord, OpRecord } from '../types.js';
import { describeOp, effectiveOutcome, firstOf, inputOf, opRecords, outputOf } from './records.js';
import type { KvSeen, RegisterInput } from './shapes.js';

interface Write {
  op: OpRecord;
  key: string;
  /** null for a delete. */
  value: string | null;
}

export function checkRegisterLostWrites(history: readonly HistoryRecord[]): CheckVerdict {
  const ops = opRecords(history, ['register', 'mixed']);
  const final = ops.filter((op) => {
    const input = inputOf<RegisterInput>(op);
    return input.f === 'read-all' && input.final === true;
  });
  const read = final.find((op) => effectiveOutcome(op) === 'ok');
  if (read === undefined) {
    return {
      check: 'lost-writes',
      ok: false,
      explanation:
        final.length === 0
          ? 'no final read of the key space was recorded, so lost writes cannot be ruled out'
          : `the final read of the key space did not succeed: ${describeOp(final.at(-1)!)}`,
    };
  }
  const prefix = (read.input as { prefix: string }).prefix;
  const finalState = new Map(outputOf<{ kvs: KvSeen[] }>(read).kvs.map((kv) => [kv.key, kv]));
  const writesByKey = new Map<string, Write[]>();
  for (const w of writes(ops)) {
    if (!w.key.startsWith(prefix)) continue;
    let list = writesByKey.get(w.key);
    if (list === undefined) writesByKey.set(w.key, (list = []));
    list.push(w);
  }
  const problems: string[] = [];
  let acknowledged = 0;
  for (const [key, list] of writesByKey) {
    const end = finalState.get(key);
    for (const w of list) {
      if (w.value === null || effectiveOutcome(w.op) !== 'ok') continue;
      acknowledged++;
      const problem = lost(w, end, list);
      if (problem !== undefined) problems.push(problem);
    }
  }
  const stats = { acknowledgedWrites: acknowledged, keys: writesByKey.size };
  if (problems.length === 0) return { check: 'lost-writes', ok: true, stats };
  return {
    check: 'lost-writes',
    ok: false,
    explanation: `${problems.length} acknowledged writes are lost: ${firstOf(problems)}`,
    stats: { ...stats, lost: problems.length },
  };
}

function lost(w: Write, end: KvSeen | undefined, all: readonly Write[]): string | undefined {
  const revision = w.op.revision ?? 0;
  if (end !== undefined && end.value === w.value) return undefined;
  if (end !== undefined && end.modRevision < revision) {
    return `${describeOp(w.op)}: ${w.key} ends at mod revision ${end.modRevision} holding '${end.value}', older than the acknowledged write`;
  }
  // Values are unique per key: when the key holds another value, its one writer must be able to
  // come after w; when it is absent, some delete must.
  const after = (x: Write): boolean =>
    x !== w &&
    (effectiveOutcome(x.op) === 'unknown' ||
      x.op.completeMs === undefined ||
      x.op.completeMs >= w.op.invokeMs);
  const explained =
    end === undefined
      ? all.some((x) => x.value === null && after(x))
      : all.some((x) => x.value === end.value && after(x));
  if (explained) return undefined;
  const now = end === undefined ? 'absent' : `holding '${end.value}'`;
  const culprit = end === undefined ? 'delete' : 'write of that value';
  return `${describeOp(w.op)}: ${w.key} ends ${now}, and no later or concurrent ${culprit} explains it`;
}

/** Every put, successful-or-unknown cas, multi-key put and delete that did not fail. */
function writes(ops: readonly OpRecord[]): Write[] {
  const out: Write[] = [];
  for (const op of ops) {
    const outcome = effectiveOutcome(op);
    if (outcome === 'fail') continue;
    const input = inputOf<RegisterInput>(op);
    switch (input.f) {
      case 'put':
        out.push({ op, key: input.key, value: input.value });
        break;
      case 'cas':
        if (outcome === 'ok' && !outputOf<{ succeeded: boolean }>(op).succeeded) break;
        out.push({ op, key: input.key, value: input.value });
        break;
      case 'txn-put':
        for (const p of input.puts) out.push({ op, key: p.key, value: p.value });
        break;
      case 'delete':
        if (outcome === 'ok' && outputOf<{ deleted: number }>(op).deleted === 0) break;
        out.push({ op, key: input.key, value: null });
        break;
      default:
        break;
    }
  }
  return out;
}
