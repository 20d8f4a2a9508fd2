// The sequential specification the register and mixed workloads are checked
// against: one register per key with get, put, delete and compare-and-set.
// It is store/check's kvModel with the operation's id in its input, so a
// failing sub-history can be named by op ids.
//
// A compare-and-set on mod_revision is checked as one on the value: every
// value is unique within its key, so "mod_revision = r" holds exactly when
// the key holds the value written at r (the one the preceding read returned
// with r), and "mod_revision = 0" exactly when the key is absent.

import { invariant } from '../../check/errors.js';
import type { KvInput, KvOutput, Model, Operation } from '../../check/index.js';
import { partitionByKey, stepKv } from '../../check/kv-model.js';

/** store/check's register input, with the id of the recorded operation. */
export type RegisterModelInput = KvInput & { id: number };
export type RegisterModelOutput = KvOutput;

export type RegisterOperation = Operation<RegisterModelInput, RegisterModelOutput>;

/** The value of one key; null when absent. */
export type RegisterState = string | null;

export const registerModel: Model<RegisterState, RegisterModelInput, RegisterModelOutput> = {
  init: () => null,
  step: (state, input, output) => {
    invariant(
      output === undefined || output.kind === input.kind,
      `op ${input.id}: a ${input.kind} recorded a ${output?.kind} output`,
    );
    return stepKv(state, input, output);
  },
  // JSON keeps null and the string 'null' apart.
  hash: (state) => JSON.stringify(state),
  partition: partitionByKey,
  describeOperation: describeRegisterOperation,
};

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
