// From recorded operations to the register model's history.
//
// - 'ok' operations keep their output and return time; 'unknown' ones (and
//   those still pending when the run ended) get output undefined and return
//   Infinity: they may have taken effect at any point after their call, or
//   never. 'fail' operations definitely did not take effect and are left
//   out, so a read of a value only a failed write wrote is a violation.
// - Serializable gets are left out: a member serves them from its own state
//   without asking the leader, so they may be stale and are not
//   linearizable by design (etcd's API guarantees). read-revisions.ts checks
//   them for what they do promise.
// - A multi-key txn put is one put per key (linearizability is checked per
//   key, and the projection of a linearizable history onto one key is
//   linearizable, so this never rejects a correct history).
// - A read of every key becomes one get per key the run touched (absent
//   keys read as absent), at the read's interval.

import { effectiveOutcome, inputOf, outputOf, returnMs } from './records.js';
import type {
  RegisterModelInput,
  RegisterModelOutput,
  RegisterOperation,
} from './register-model.js';
import type { KvSeen, RegisterInput } from './shapes.js';
import type { OpRecord } from '../types.js';

export function registerOperations(ops: readonly OpRecord[]): RegisterOperation[] {
  const keys = touchedKeys(ops);
  const out: RegisterOperation[] = [];
  for (const op of ops) {
    const outcome = effectiveOutcome(op);
    if (outcome === 'fail') continue;
    const ok = outcome === 'ok';
    const input = inputOf<RegisterInput>(op);
    const at = { clientId: op.client, call: op.invokeMs, return: returnMs(op) };
    const push = (i: RegisterModelInput, o: RegisterModelOutput | undefined): void => {
      out.push({ ...at, input: i, output: ok ? o : undefined });
    };
    const id = op.id;
    switch (input.f) {
      case 'get': {
        if (input.serializable === true || !ok) break;
        const { value } = outputOf<{ value: string | null }>(op);
        push({ kind: 'get', key: input.key, id }, { kind: 'get', value });
        break;
      }
      case 'put':
        push({ kind: 'put', key: input.key, value: input.value, id }, { kind: 'put' });
        break;
      case 'delete': {
        const deleted = ok && outputOf<{ deleted: number }>(op).deleted > 0;
        push({ kind: 'delete', key: input.key, id }, { kind: 'delete', deleted });
        break;
      }
      case 'cas': {
        const succeeded = ok && outputOf<{ succeeded: boolean }>(op).succeeded;
        const { key, expect: expected, value } = input;
        push({ kind: 'cas', key, expected, value, id }, { kind: 'cas', ok: succeeded });
        break;
      }
      case 'txn-put':
        for (const p of input.puts) {
          push({ kind: 'put', key: p.key, value: p.value, id }, { kind: 'put' });
        }
        break;
      case 'read-all': {
        if (!ok) break;
        const seen = new Map(outputOf<{ kvs: KvSeen[] }>(op).kvs.map((kv) => [kv.key, kv.value]));
        for (const key of keys) {
          if (!key.startsWith(input.prefix)) continue;
          push({ kind: 'get', key, id }, { kind: 'get', value: seen.get(key) ?? null });
        }
        break;
      }
      case 'delete-prefix':
        // Setup: it completes before any other operation, and leaves every key absent, which
        // is the model's initial state.
        break;
    }
  }
  return out;
}

/**
 * Every key an operation names or a read of every key returned, in first-seen order (a key no
 * one wrote that a read returns is kept, so its value is caught as never written).
 */
export function touchedKeys(ops: readonly OpRecord[]): string[] {
  const keys = new Set<string>();
  for (const op of ops) {
    const input = inputOf<RegisterInput>(op);
    if (input.f === 'txn-put') for (const p of input.puts) keys.add(p.key);
    else if ('key' in input) keys.add(input.key);
    else if (input.f === 'read-all' && effectiveOutcome(op) === 'ok') {
      for (const kv of outputOf<{ kvs: KvSeen[] }>(op).kvs) keys.add(kv.key);
    }
  }
  return [...keys];
}
