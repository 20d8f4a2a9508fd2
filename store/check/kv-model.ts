// The sequential specification of a key-value register store: get, put,
// delete and compare-and-set on string keys (the simulator's clients and
// capstan chaos's register workload). The model partitions a history by key,
// so a state is just the value of one key (null when absent) and each key is
// checked on its own; that keeps the search space per key small.

import { invariant } from './errors.js';
import type { Model, Operation } from './types.js';

export type KvInput =
  | { kind: 'get'; key: string }
  | { kind: 'put'; key: string; value: string }
  /** The output says whether the key existed. */
  | { kind: 'delete'; key: string }
  /** Compare-and-set: succeeds iff the current value === expected (null = absent). */
  | { kind: 'cas'; key: string; expected: string | null; value: string };

export type KvOutput =
  | { kind: 'get'; value: string | null } // null = key absent
  | { kind: 'put' }
  | { kind: 'delete'; deleted: boolean }
  | { kind: 'cas'; ok: boolean };

export type KvOperation = Operation<KvInput, KvOutput>;

/** The value of one key; null when absent. */
export type KvState = string | null;

export const kvModel: Model<KvState, KvInput, KvOutput> = {
  init: () => null,
  step: stepKv,
  // JSON keeps null and the string 'null' apart.
  hash: (state) => JSON.stringify(state),
  partition: partitionByKey,
  describeOperation: describeKvOperation,
};

export function stepKv(
  state: KvState,
  input: KvInput,
  output: KvOutput | undefined,
): { ok: boolean; state: KvState } {
  invariant(
    output === undefined || output.kind === input.kind,
    `a ${input.kind} on ${input.key} recorded a ${output?.kind} output`,
  );
  switch (input.kind) {
    case 'get': {
      const ok = output === undefined || (output.kind === 'get' && output.value === state);
      return { ok, state };
    }
    case 'put':
      return { ok: true, state: input.value };
    case 'delete': {
      const existed = state !== null;
      const ok = output === undefined || (output.kind === 'delete' && output.deleted === existed);
      return { ok, state: null };
    }
    case 'cas': {
      const swapped = state === input.expected;
      const ok = output === undefined || (output.kind === 'cas' && output.ok === swapped);
      return { ok, state: swapped ? input.value : state };
    }
  }
}

/**
 * One sub-history per key, in order of the key's first appearance. A get whose output is unknown
 * is left out: it changes nothing and observed nothing, so it can neither help nor hurt, and
 * every pending operation multiplies the search.
 */
export function partitionByKey<O extends { input: { kind: string; key: string }; output: unknown }>(
  history: readonly O[],
): O[][] {
  const byKey = new Map<string, O[]>();
  for (const op of history) {
    if (op.input.kind === 'get' && op.output === undefined) continue;
    let ops = byKey.get(op.input.key);
    if (ops === undefined) {
      ops = [];
      byKey.set(op.input.key, ops);
    }
    ops.push(op);
  }
  return [...byKey.values()];
}

/** E.g. `client 3: cas(k1, 'a' -> 'b') = ok  [12, 40]`. */
export function describeKvOperation(op: KvOperation): string {
  const { input, output } = op;
  const interval = `[${op.call}, ${op.return === Infinity ? '∞' : op.return}]`;
  return `client ${op.clientId}: ${describeInput(input)} = ${describeOutput(output)}  ${interval}`;
}

function describeInput(input: KvInput): string {
  switch (input.kind) {
    case 'get':
      return `get(${input.key})`;
    case 'put':
      return `put(${input.key}, ${quote(input.value)})`;
    case 'delete':
      return `delete(${input.key})`;
    case 'cas':
      return `cas(${input.key}, ${quote(input.expected)} -> ${quote(input.value)})`;
  }
}

function describeOutput(output: KvOutput | undefined): string {
  if (output === undefined) return 'unknown';
  switch (output.kind) {
    case 'get':
      return quote(output.value);
    case 'put':
      return 'ok';
    case 'delete':
      return output.deleted ? 'deleted' : 'nothing to delete';
    case 'cas':
      return output.ok ? 'ok' : 'failed';
  }
}

/** A value in single quotes, escaped so `'` inside it stays readable; null (absent) bare. */
function quote(value: string | null): string {
  if (value === null) return 'null';
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
