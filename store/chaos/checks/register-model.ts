// The sequential specification the register and mixed workloads are checked
// against: one register per key with get, put, delete and compare-and-set.
// It extends store/check's kvModel with delete (whose deleted count says
// whether the key existed) and carries the operation's id in its input, so
// a failing sub-history can be named by op ids.
//
// A compare-and-set on mod_revision is checked as one on the value: every
// value is unique within its key, so "mod_revision = r" holds exactly when
// the key holds the value written at r (the one the preceding read returned
// with r), and "mod_revision = 0" exactly when the key is absent.

import { invariant } from '../../check/errors.js';
import type { Model, Operation } from '../../check/index.js';

export type RegisterModelInput =
  | { kind: 'get'; key: string; id: number }
  | { kind: 'put'; key: string; value: string; id: number }
  | { kind: 'delete'; key: string; id: number }
  /** Succeeds iff the current value === expected (null = absent). */
  | { kind: 'cas'; key: string; expected: string | null; value: string; id: number };

export type RegisterModelOutput =
  | { kind: 'get'; value: string | null }
  | { kind: 'put' }
  | { kind: 'delete'; deleted: boolean }
  | { kind: 'cas'; ok: boolean };

export type RegisterOperation = Operation<RegisterModelInput, RegisterModelOutput>;

/** The value of one key; null when absent. */
export type RegisterState = string | null;

export const registerModel: Model<RegisterState, RegisterModelInput, RegisterModelOutput> = {
  init: () => null,
  step: stepRegister,
  // JSON keeps null and the string 'null' apart.
  hash: (state) => JSON.stringify(state),
  partition: partitionByKey,
  describeOperation: describeRegisterOperation,
};

function stepRegister(
  state: RegisterState,
  input: RegisterModelInput,
  output: RegisterModelOutput | undefined,
): { ok: boolean; state: RegisterState } {
  invariant(
    output === undefined || output.kind === input.kind,
    `op ${input.id}: a ${input.kind} recorded a ${output?.kind} output`,
  );
  switch (input.kind) {
    case 'get':
      return {
        ok: output === undefined || (output.kind === 'get' && output.value === state),
        state,
      };
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

/** One sub-history per key; gets whose outcome is unknown observed nothing and are left out. */
function partitionByKey(history: readonly RegisterOperation[]): RegisterOperation[][] {
  const byKey = new Map<string, RegisterOperation[]>();
  for (const op of history) {
    if (op.input.kind === 'get' && op.output === undefined) continue;
    let ops = byKey.get(op.input.key);
    if (ops === undefined) byKey.set(op.input.key, (ops = []));
    ops.push(op);
  }
  return [...byKey.values()];
}

/** `#12 client 3: cas(k1, '3.1' -> '4.2') = failed  [12.0, 40.5]`. */
export function describeRegisterOperation(op: RegisterOperation): string {
  const end = op.return === Infinity ? '∞' : op.return.toFixed(1);
  const interval = `[${op.call.toFixed(1)}, ${end}]`;
  return `#${op.input.id} client ${op.clientId}: ${describeInput(op.input)} = ${describeOutput(op.output)}  ${interval}`;
}

function describeInput(input: RegisterModelInput): string {
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

function describeOutput(output: RegisterModelOutput | undefined): string {
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

function quote(value: string | null): string {
  return value === null ? 'absent' : `'${value}'`;
}
