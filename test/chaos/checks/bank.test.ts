// The bank workload's verdicts: every read sums to the total with no
// negative balance, and no acknowledged transfer is lost by the end.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { checkBank } from '../../../store/chaos/checks/index.js';
import { History } from './history.js';

const accounts = ['b/a0', 'b/a1', 'b/a2'];

function bank(): History {
  const h = new History('bank');
  h.add({
    client: 0,
    input: { f: 'setup', prefix: 'b/', accounts, balance: 10 },
    at: [0, 5],
    output: { succeeded: true },
    revision: 2,
  });
  return h;
}

function read(
  h: History,
  balances: number[],
  mods: number[],
  at: [number, number],
  revision: number,
  final = false,
) {
  return h.add({
    client: final ? 99 : 1,
    input: final ? { f: 'read', prefix: 'b/', final } : { f: 'read', prefix: 'b/' },
    at,
    output: {
      balances: Object.fromEntries(balances.map((b, i) => [accounts[i]!, b])),
      modRevisions: Object.fromEntries(mods.map((m, i) => [accounts[i]!, m])),
    },
    revision,
  });
}

function transfer(
  h: History,
  from: number,
  to: number,
  amount: number,
  at: [number, number],
  revision: number,
) {
  return h.add({
    client: 2,
    input: {
      f: 'transfer',
      from: accounts[from],
      to: accounts[to],
      amount,
      fromRevision: 2,
      toRevision: 2,
    },
    at,
    output: { succeeded: true },
    revision,
  });
}

const verdict = (h: History, check: string) => checkBank(h.records).find((v) => v.check === check)!;

describe('bank verdicts', () => {
  it('pass reads that always sum to the total and a final state that keeps every transfer', () => {
    const h = bank();
    read(h, [10, 10, 10], [2, 2, 2], [10, 15], 2);
    transfer(h, 0, 1, 4, [20, 25], 3);
    read(h, [6, 14, 10], [3, 3, 2], [30, 35], 3);
    read(h, [6, 14, 10], [3, 3, 2], [40, 45], 3, true);
    for (const v of checkBank(h.records)) assert.equal(v.ok, true, `${v.check}: ${v.explanation}`);
  });

  it('finds a read with the wrong total', () => {
    const h = bank();
    read(h, [6, 10, 10], [3, 2, 2], [10, 15], 3); // half a transfer: money vanished
    read(h, [10, 10, 10], [2, 2, 2], [40, 45], 3, true);
    const v = verdict(h, 'bank-total');
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /sum to 26, not 30/);
  });

  it('finds a negative balance and a missing account', () => {
    const h = bank();
    read(h, [-1, 21, 10], [3, 3, 2], [10, 15], 3);
    h.add({
      client: 1,
      input: { f: 'read', prefix: 'b/' },
      at: [20, 25],
      output: { balances: { 'b/a0': 15, 'b/a1': 15 }, modRevisions: {} },
      revision: 3,
    });
    read(h, [10, 10, 10], [2, 2, 2], [40, 45], 3, true);
    const v = verdict(h, 'bank-total');
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /negative balance in b\/a0=-1/);
    assert.match(v.explanation!, /b\/a2 are missing/);
  });

  it('finds an acknowledged transfer the final state does not hold', () => {
    const h = bank();
    transfer(h, 0, 1, 4, [20, 25], 3);
    read(h, [10, 10, 10], [2, 2, 2], [40, 45], 3, true); // sums right, but the transfer is gone
    assert.equal(verdict(h, 'bank-total').ok, true);
    const v = verdict(h, 'lost-writes');
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /older than the transfer/);
  });

  it('fails both verdicts without a final read', () => {
    const h = bank();
    read(h, [10, 10, 10], [2, 2, 2], [10, 15], 2);
    assert.equal(verdict(h, 'bank-total').ok, false);
    assert.equal(verdict(h, 'lost-writes').ok, false);
  });
});
