// What every read of the register and mixed workloads promises about
// revisions, serializable reads included.
//
// A serializable get is served by one member from its own state, without a
// ReadIndex round: it may be stale, and reads on different members (or on
// one member restarted from an older backend commit) may even go backwards,
// so it is not linearizable and not monotonic, and the linearizability check
// leaves it out. What it does promise (etcd's API guarantees: every read
// sees a state the cluster committed) is that it reflects the store exactly
// as of its header revision H:
//  - the value it returns was written by an operation that did not fail,
//    and that operation had been invoked before the read returned;
//  - the value's mod revision m is ≤ H, and equals the revision the write
//    was acknowledged at;
//  - no acknowledged write to the key has a revision in (m, H]: the member
//    claims to be at H, so it must show every write up to H (and for an
//    absent key: the last acknowledged write at or below H is not a put,
//    unless a delete whose outcome is unknown could have come after it).
// Linearizable gets are held to the same rules; for them these are a
// cross-check of revisions, which the linearizability check does not see.

import type { CheckVerdict, HistoryRecord, OpRecord } from '../types.js';
import { describeOp, effectiveOutcome, firstOf, inputOf, opRecords, outputOf } from './records.js';
import { touchedKeys } from './register-history.js';
import type { KvSeen, RegisterInput } from './shapes.js';

interface KnownWrite {
  revision: number;
  /** The value put; null for a delete. */
  value: string | null;
  op: OpRecord;
}

interface KeyWrites {
  /** Writes that did not fail, by value (values are unique per key). */
  byValue: Map<string, OpRecord>;
  /** Values only failed writes wrote. */
  failedValues: Map<string, OpRecord>;
  /** Acknowledged writes that changed the key, by revision. */
  known: KnownWrite[];
  /** The earliest invocation of a delete whose outcome is unknown. */
  unknownDeleteFromMs: number;
}

export function checkReadRevisions(history: readonly HistoryRecord[]): CheckVerdict {
  const ops = opRecords(history, ['register', 'mixed']);
  const writes = indexWrites(ops);
  const keys = touchedKeys(ops);
  const problems: string[] = [];
  let reads = 0;
  let serializable = 0;
  for (const op of ops) {
    if (effectiveOutcome(op) !== 'ok') continue;
    const input = inputOf<RegisterInput>(op);
    const header = op.revision ?? 0;
    if (input.f === 'get') {
      reads++;
      if (input.serializable === true) serializable++;
      const { value, modRevision } = outputOf<{ value: string | null; modRevision: number }>(op);
      const seen = { key: input.key, value, modRevision };
      const problem = checkRead(writes.get(input.key), seen, op, header);
      if (problem !== undefined) problems.push(problem);
    } else if (input.f === 'read-all') {
      const got = new Map(outputOf<{ kvs: KvSeen[] }>(op).kvs.map((kv) => [kv.key, kv]));
      for (const key of keys) {
        if (!key.startsWith(input.prefix)) continue;
        reads++;
        const seen = got.get(key) ?? { key, value: null, modRevision: 0 };
        const problem = checkRead(writes.get(key), seen, op, header);
        if (problem !== undefined) problems.push(problem);
      }
    }
  }
  const stats = { reads, serializableReads: serializable };
  if (problems.length === 0) return { check: 'read-revisions', ok: true, stats };
  return {
    check: 'read-revisions',
    ok: false,
    explanation: `${problems.length} reads disagree with the revisions of the writes: ${firstOf(problems)}`,
    stats: { ...stats, violations: problems.length },
  };
}

function checkRead(
  w: KeyWrites | undefined,
  seen: KvSeen,
  read: OpRecord,
  header: number,
): string | undefined {
  const what = `${describeOp(read)} read ${seen.key}`;
  if (seen.value === null) {
    if (seen.modRevision !== 0) return `${what} absent with mod revision ${seen.modRevision}`;
    const last = w === undefined ? undefined : lastAtOrBelow(w.known, header);
    if (last === undefined || last.value === null) return undefined;
    if (w!.unknownDeleteFromMs < (read.completeMs ?? Infinity)) return undefined;
    return `${what} absent at revision ${header}, but ${describeOp(last.op)} put it at ${last.revision} and nothing deleted it`;
  }
  const writer = w?.byValue.get(seen.value);
  if (writer === undefined) {
    const failed = w?.failedValues.get(seen.value);
    return failed === undefined
      ? `${what} = '${seen.value}', which no operation wrote`
      : `${what} = '${seen.value}', which only ${describeOp(failed)} wrote, and it failed`;
  }
  if (writer.invokeMs > (read.completeMs ?? Infinity)) {
    return `${what} = '${seen.value}' before ${describeOp(writer)} was even invoked`;
  }
  if (seen.modRevision > header) {
    return `${what} at mod revision ${seen.modRevision}, above its header revision ${header}`;
  }
  if (effectiveOutcome(writer) === 'ok' && writer.revision !== seen.modRevision) {
    return `${what} = '${seen.value}' at mod revision ${seen.modRevision}, but ${describeOp(writer)} wrote it at ${writer.revision}`;
  }
  const missed = firstAbove(w!.known, seen.modRevision);
  if (missed !== undefined && missed.revision <= header) {
    return `${what} = '${seen.value}' (mod revision ${seen.modRevision}) at revision ${header}, missing ${describeOp(missed.op)} at ${missed.revision}`;
  }
  return undefined;
}

function indexWrites(ops: readonly OpRecord[]): Map<string, KeyWrites> {
  const byKey = new Map<string, KeyWrites>();
  const of = (key: string): KeyWrites => {
    let w = byKey.get(key);
    if (w === undefined) {
      w = { byValue: new Map(), failedValues: new Map(), known: [], unknownDeleteFromMs: Infinity };
      byKey.set(key, w);
    }
    return w;
  };
  const addPut = (op: OpRecord, key: string, value: string, took: boolean | undefined): void => {
    const w = of(key);
    const outcome = effectiveOutcome(op);
    if (outcome === 'fail' || took === false) {
      w.failedValues.set(value, op);
      return;
    }
    w.byValue.set(value, op);
    if (outcome === 'ok') w.known.push({ revision: op.revision ?? 0, value, op });
  };
  for (const op of ops) {
    const input = inputOf<RegisterInput>(op);
    const ok = effectiveOutcome(op) === 'ok';
    switch (input.f) {
      case 'put':
        addPut(op, input.key, input.value, undefined);
        break;
      case 'cas':
        addPut(
          op,
          input.key,
          input.value,
          ok ? outputOf<{ succeeded: boolean }>(op).succeeded : undefined,
        );
        break;
      case 'txn-put':
        for (const p of input.puts) addPut(op, p.key, p.value, undefined);
        break;
      case 'delete': {
        const w = of(input.key);
        if (effectiveOutcome(op) === 'unknown') {
          w.unknownDeleteFromMs = Math.min(w.unknownDeleteFromMs, op.invokeMs);
        } else if (ok && outputOf<{ deleted: number }>(op).deleted > 0) {
          w.known.push({ revision: op.revision ?? 0, value: null, op });
        }
        break;
      }
      default:
        break;
    }
  }
  for (const w of byKey.values()) w.known.sort((a, b) => a.revision - b.revision);
  return byKey;
}

/** The first known write with a revision above `revision`. */
function firstAbove(known: readonly KnownWrite[], revision: number): KnownWrite | undefined {
  let lo = 0;
  let hi = known.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (known[mid]!.revision <= revision) lo = mid + 1;
    else hi = mid;
  }
  return known[lo];
}

/** The last known write at or below `revision`. */
function lastAtOrBelow(known: readonly KnownWrite[], revision: number): KnownWrite | undefined {
  let lo = 0;
  let hi = known.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (known[mid]!.revision <= revision) lo = mid + 1;
    else hi = mid;
  }
  return known[lo - 1];
}
