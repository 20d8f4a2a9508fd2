// The bank workload's verdicts. Transfers move money between two accounts
// in one txn guarded by both accounts' mod revisions, so money is never
// created or destroyed:
//  - bank-total: every 'ok' read (one linearizable range over every
//    account, so one revision) sees every account, none negative, and
//    balances that sum to the total; the final read after healing too.
//  - lost-writes: an acknowledged transfer at revision r wrote both of its
//    accounts at r, and nothing can lower a key's mod revision, so at the
//    end both accounts' mod revisions are ≥ r.

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
import type { BankInput, BankReadOutput } from './shapes.js';

interface Setup {
  accounts: string[];
  total: number;
}

export function checkBank(history: readonly HistoryRecord[]): CheckVerdict[] {
  const ops = opRecords(history, ['bank']);
  const setup = setupOf(ops);
  if (setup === undefined) {
    const explanation = 'no successful setup of the accounts was recorded';
    return [
      { check: 'bank-total', ok: false, explanation },
      { check: 'lost-writes', ok: false, explanation },
    ];
  }
  const final = finalRead(ops);
  return [checkTotals(ops, setup, final), checkTransfersKept(ops, final)];
}

function checkTotals(
  ops: readonly OpRecord[],
  setup: Setup,
  final: OpRecord | undefined,
): CheckVerdict {
  const problems: string[] = [];
  let reads = 0;
  for (const op of ops) {
    if (effectiveOutcome(op) !== 'ok' || inputOf<BankInput>(op).f !== 'read') continue;
    reads++;
    const problem = badRead(op, setup);
    if (problem !== undefined) problems.push(problem);
  }
  if (final === undefined) problems.push('no final read of the accounts succeeded');
  const stats = { reads, accounts: setup.accounts.length, total: setup.total };
  if (problems.length === 0) return { check: 'bank-total', ok: true, stats };
  return {
    check: 'bank-total',
    ok: false,
    explanation: `${problems.length} reads break the bank's invariant: ${firstOf(problems)}`,
    stats: { ...stats, violations: problems.length },
  };
}

function badRead(op: OpRecord, setup: Setup): string | undefined {
  const { balances } = outputOf<BankReadOutput>(op);
  const missing = setup.accounts.filter((a) => !(a in balances));
  if (missing.length > 0) return `${describeOp(op)}: accounts ${missing.join(', ')} are missing`;
  const extra = Object.keys(balances).filter((a) => !setup.accounts.includes(a));
  if (extra.length > 0) return `${describeOp(op)}: unknown accounts ${extra.join(', ')}`;
  const negative = setup.accounts.filter((a) => !(balances[a]! >= 0));
  if (negative.length > 0) {
    return `${describeOp(op)}: negative balance in ${negative.map((a) => `${a}=${balances[a]}`).join(', ')}`;
  }
  const sum = setup.accounts.reduce((s, a) => s + balances[a]!, 0);
  if (sum !== setup.total) return `${describeOp(op)}: balances sum to ${sum}, not ${setup.total}`;
  return undefined;
}

function checkTransfersKept(ops: readonly OpRecord[], final: OpRecord | undefined): CheckVerdict {
  if (final === undefined) {
    return {
      check: 'lost-writes',
      ok: false,
      explanation: 'no final read of the accounts succeeded, so lost transfers cannot be ruled out',
    };
  }
  const { modRevisions } = outputOf<BankReadOutput>(final);
  const problems: string[] = [];
  let acknowledged = 0;
  for (const op of ops) {
    const input = inputOf<BankInput>(op);
    if (input.f !== 'transfer' || effectiveOutcome(op) !== 'ok') continue;
    if (!outputOf<{ succeeded: boolean }>(op).succeeded) continue;
    acknowledged++;
    const revision = op.revision ?? 0;
    for (const account of [input.from, input.to]) {
      const end = modRevisions[account] ?? 0;
      if (end < revision) {
        problems.push(
          `${describeOp(op)}: ${account} ends at mod revision ${end}, older than the transfer`,
        );
      }
    }
  }
  const stats = { acknowledgedTransfers: acknowledged };
  if (problems.length === 0) return { check: 'lost-writes', ok: true, stats };
  return {
    check: 'lost-writes',
    ok: false,
    explanation: `${problems.length} acknowledged transfer writes are lost: ${firstOf(problems)}`,
    stats: { ...stats, lost: problems.length },
  };
}

/** The accounts and the total, from the last successful setup. */
function setupOf(ops: readonly OpRecord[]): Setup | undefined {
  let setup: Setup | undefined;
  for (const op of ops) {
    const input = inputOf<BankInput>(op);
    if (input.f !== 'setup' || effectiveOutcome(op) !== 'ok') continue;
    setup = { accounts: input.accounts, total: input.accounts.length * input.balance };
  }
  return setup;
}

function finalRead(ops: readonly OpRecord[]): OpRecord | undefined {
  return lastWhere(ops, (op) => {
    const input = inputOf<BankInput>(op);
    return input.f === 'read' && input.final === true && effectiveOutcome(op) === 'ok';
  });
}
