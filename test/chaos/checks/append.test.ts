// The append workload's verdicts: reads are prefixes of the final lists and
// of later reads, nothing appears twice or without having been appended,
// and no acknowledged append is lost.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { checkAppend } from '../../../store/chaos/checks/index.js';
import { History } from './history.js';

class AppendHistory extends History {
  constructor() {
    super('append');
  }

  append(
    client: number,
    key: string,
    value: string,
    at: [number, number],
    outcome: 'ok' | 'fail' | 'unknown' = 'ok',
    succeeded = true,
  ) {
    return this.add({
      client,
      input: { f: 'append', key, value, expectRevision: 0 },
      at,
      outcome,
      ...(outcome === 'ok' && { output: { succeeded }, revision: 10 }),
    });
  }

  read(client: number, key: string, list: string[], at: [number, number]) {
    return this.add({
      client,
      input: { f: 'read', key },
      at,
      output: { list, modRevision: 10 },
      revision: 10,
    });
  }

  final(lists: Record<string, string[]>) {
    return this.add({
      client: 99,
      input: { f: 'read-all', prefix: 'l/', final: true },
      at: [1000, 1010],
      output: { lists },
      revision: 20,
    });
  }
}

const verdict = (h: History, check: string) =>
  checkAppend(h.records).find((v) => v.check === check)!;

function good(): AppendHistory {
  const h = new AppendHistory();
  h.append(1, 'l/x', '1.0', [0, 10]);
  h.read(2, 'l/x', ['1.0'], [20, 30]);
  h.append(2, 'l/x', '2.0', [40, 50]);
  h.append(1, 'l/x', '1.1', [45, 55], 'unknown'); // may or may not be there
  h.append(3, 'l/x', '3.0', [60, 70], 'ok', false); // its compare failed: never there
  h.read(3, 'l/x', ['1.0', '2.0'], [80, 90]);
  return h;
}

describe('append verdicts', () => {
  it('pass reads that are prefixes of the final list, which holds every acknowledged append', () => {
    const h = good();
    h.final({ 'l/x': ['1.0', '2.0', '1.1'] });
    for (const v of checkAppend(h.records))
      assert.equal(v.ok, true, `${v.check}: ${v.explanation}`);
  });

  it('find a read that is not a prefix of the final list', () => {
    const h = good();
    h.read(4, 'l/x', ['2.0'], [95, 99]);
    h.final({ 'l/x': ['1.0', '2.0'] });
    const v = verdict(h, 'append-prefix');
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /not a prefix/);
  });

  it('find a read shorter than one that returned before it began', () => {
    const h = good();
    h.read(4, 'l/x', ['1.0'], [95, 99]);
    h.final({ 'l/x': ['1.0', '2.0'] });
    assert.match(verdict(h, 'append-prefix').explanation!, /read 1 elements of l\/x after/);
  });

  it('find an element twice, and the append of a failed compare or a failed request', () => {
    const h = good();
    h.append(4, 'l/x', '4.0', [100, 110], 'fail');
    h.final({ 'l/x': ['1.0', '2.0', '2.0', '3.0', '4.0'] });
    const v = verdict(h, 'append-prefix');
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /'2.0' appears twice/);
    assert.match(v.explanation!, /'3.0' is in l\/x, but .* compare failed/);
    assert.equal(v.stats?.['violations'], 3, v.explanation);
    assert.match(verdict(h, 'append-prefix').explanation!, /4.0.*failed/);
  });

  it('find appends in the wrong real-time order', () => {
    const h = new AppendHistory();
    h.append(1, 'l/x', '1.0', [0, 10]);
    h.append(2, 'l/x', '2.0', [20, 30]);
    h.final({ 'l/x': ['2.0', '1.0'] });
    assert.match(verdict(h, 'append-prefix').explanation!, /acknowledged before this one began/);
  });

  it('find a lost acknowledged append', () => {
    const h = good();
    h.final({ 'l/x': ['1.0'] });
    const v = verdict(h, 'lost-writes');
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /'2.0' is not in the final list/);
  });
});
