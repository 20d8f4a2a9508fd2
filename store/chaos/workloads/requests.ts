// The requests the workloads send, each returning the record's output and
// the header revision (perform.ts records them). Values are printable by
// construction, so keys and values cross as UTF-8 strings.

import type { CallOptions, Client, KeyValue } from '../../client/index.js';
import { compare, op } from '../../client/index.js';
import type { KvSeen } from '../checks/index.js';
import type { Answer } from './perform.js';

export function text(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}

export function seen(kv: KeyValue): KvSeen {
  return { key: text(kv.key), value: text(kv.value), modRevision: Number(kv.modRevision) };
}

export async function getKey(
  c: Client,
  key: string,
  o: CallOptions & { serializable?: boolean },
): Promise<Answer<{ value: string | null; modRevision: number }>> {
  const r = await c.get(key, o);
  const kv = r.kvs[0];
  return {
    output: {
      value: kv === undefined ? null : text(kv.value),
      modRevision: kv === undefined ? 0 : Number(kv.modRevision),
    },
    revision: r.header.revision,
  };
}

/** Every key under `prefix`, in one range (one revision). */
export async function getPrefix(
  c: Client,
  prefix: string,
  o: CallOptions,
): Promise<Answer<{ kvs: KvSeen[] }>> {
  const r = await c.get(prefix, { ...o, prefix: true });
  return { output: { kvs: r.kvs.map(seen) }, revision: r.header.revision };
}

export async function putKey(
  c: Client,
  key: string,
  value: string,
  o: CallOptions,
): Promise<Answer<Record<string, never>>> {
  const r = await c.put(key, value, o);
  return { output: {}, revision: r.header.revision };
}

export async function deleteKeys(
  c: Client,
  key: string,
  o: CallOptions & { prefix?: boolean },
): Promise<Answer<{ deleted: number }>> {
  const r = await c.delete(key, o);
  return { output: { deleted: Number(r.deleted) }, revision: r.header.revision };
}

/**
 * Puts `value` if `key` holds `expect` (null: absent). etcd fails a value compare on a missing
 * key whatever the operator, so "absent" is tested as version = 0.
 */
export async function casByValue(
  c: Client,
  key: string,
  expect: string | null,
  value: string,
  o: CallOptions,
): Promise<Answer<{ succeeded: boolean }>> {
  const guard = expect === null ? compare.version(key, '=', 0) : compare.value(key, '=', expect);
  const r = await c.txn({ if: [guard], then: [op.put(key, value)] }, o);
  return { output: { succeeded: r.succeeded }, revision: r.header.revision };
}

/** Puts each `(key, value)` if every key's mod revision is still the given one (0: absent). */
export async function casByModRevision(
  c: Client,
  guards: readonly { key: string; modRevision: number }[],
  puts: readonly { key: string; value: string }[],
  o: CallOptions,
): Promise<Answer<{ succeeded: boolean }>> {
  const r = await c.txn(
    {
      if: guards.map((g) => compare.modRevision(g.key, '=', g.modRevision)),
      then: puts.map((p) => op.put(p.key, p.value)),
    },
    o,
  );
  return { output: { succeeded: r.succeeded }, revision: r.header.revision };
}

/** Puts and deletes in one txn (one revision). */
export async function writeTxn(
  c: Client,
  writes: readonly ({ f: 'put'; key: string; value: string } | { f: 'delete'; key: string })[],
  o: CallOptions,
): Promise<Answer<Record<string, never>>> {
  const ops = writes.map((w) => (w.f === 'put' ? op.put(w.key, w.value) : op.delete(w.key)));
  const r = await c.txn({ then: ops }, o);
  return { output: {}, revision: r.header.revision };
}
