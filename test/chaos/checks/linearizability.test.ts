// The register workload's linearizability verdict: it passes a correct
// history, finds a stale read (and the other ways a store can lie), treats
// outcome-unknown writes as optional, leaves serializable reads out, and
// shrinks a long failing history to a witness of a few operations.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { checkLinearizability } from '../../../store/chaos/checks/index.js';
import { SeededRandom } from '../../../store/raft/random.js';
import { RegisterHistory } from './history.js';

describe('linearizability verdict', () => {
  it('passes a history with concurrent writes, a cas and a delete', () => {
    const h = new RegisterHistory();
    h.put(1, 'k', 'a', [0, 10], 2);
    h.put(2, 'k', 'b', [5, 15], 3); // concurrent with put a: either order is fine
    h.get(3, 'k', 'b', [20, 25], 3, 3);
    h.cas(1, 'k', 'b', 'c', true, [30, 35], 4);
    h.cas(2, 'k', 'b', 'd', false, [40, 45], 4);
    h.delete(3, 'k', 1, [50, 55], 5);
    h.get(1, 'k', null, [60, 65], 5, 0);
    h.delete(2, 'k', 0, [70, 75], 5);
    const v = checkLinearizability(h.records);
    assert.equal(v.ok, true, v.explanation);
    assert.equal(v.check, 'linearizability');
    assert.equal(v.stats?.['operations'], 8);
  });

  it('finds a stale read, with the read and the writes it contradicts as the witness', () => {
    const h = new RegisterHistory();
    const a = h.put(1, 'k', 'a', [0, 10], 2);
    const b = h.put(1, 'k', 'b', [20, 30], 3);
    const stale = h.get(2, 'k', 'a', [40, 50], 3, 2);
    const v = checkLinearizability(h.records);
    assert.equal(v.ok, false);
    assert.deepEqual([...v.witness!].sort(), [a.id, b.id, stale.id]);
    assert.match(v.explanation!, /key k/);
  });

  it('finds a read of a value only a failed write wrote', () => {
    const h = new RegisterHistory();
    h.put(1, 'k', 'a', [0, 10], 0, 'fail');
    h.get(2, 'k', 'a', [20, 30], 2, 2);
    assert.equal(checkLinearizability(h.records).ok, false);
  });

  it('lets a write whose outcome is unknown take effect late, or never', () => {
    const h = new RegisterHistory();
    h.put(1, 'k', 'a', [0, 10], 2);
    h.put(2, 'k', 'b', [5, 0], 0, 'unknown');
    h.get(3, 'k', 'a', [20, 30], 2, 2);
    h.get(3, 'k', 'b', [40, 50], 3, 3);
    assert.equal(checkLinearizability(h.records).ok, true);
  });

  it('finds a delete that reports deleting a key that was absent', () => {
    const h = new RegisterHistory();
    h.delete(1, 'k', 1, [0, 10], 1);
    assert.equal(checkLinearizability(h.records).ok, false);
  });

  it('checks a mod-revision cas as a compare on the value that read returned', () => {
    const h = new RegisterHistory();
    h.put(1, 'k', 'a', [0, 10], 2);
    h.get(1, 'k', 'a', [20, 30], 2, 2);
    h.add({
      client: 1,
      input: { f: 'cas', key: 'k', value: 'b', expect: 'a', compare: 'mod', expectRevision: 2 },
      at: [40, 50],
      output: { succeeded: false }, // the key still held 'a': the compare must have held
      revision: 2,
    });
    assert.equal(checkLinearizability(h.records).ok, false);
  });

  it('leaves serializable reads out: a stale one is not a linearizability violation', () => {
    const h = new RegisterHistory('mixed');
    h.put(1, 'k', 'a', [0, 10], 2);
    h.put(1, 'k', 'b', [20, 30], 3);
    h.get(2, 'k', 'a', [40, 50], 2, 2, true);
    assert.equal(checkLinearizability(h.records).ok, true);
  });

  it('judges the final read of every key too: a key absent at the end that a write left present', () => {
    const h = new RegisterHistory();
    h.put(1, 'p/k1', 'a', [0, 10], 2);
    h.put(1, 'p/k2', 'b', [20, 30], 3);
    h.finalRead('p/', [{ key: 'p/k2', value: 'b', modRevision: 3 }], [40, 50], 3);
    const v = checkLinearizability(h.records);
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /p\/k1/);
  });

  it('says "undecided" rather than hanging when the search budget runs out', () => {
    const h = new RegisterHistory();
    for (let i = 0; i < 30; i++) h.put(i, 'k', `v${i}`, [0, 0], 0, 'unknown');
    h.get(99, 'k', 'nobody', [10, 20], 1, 1);
    const v = checkLinearizability(h.records, { maxSearchSteps: 10 });
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /undecided/);
    assert.equal(v.witness, undefined);
  });
});

describe('shrinking a failing history', () => {
  it('finds a witness of at most 4 operations for a stale read planted in 600 operations', () => {
    const rng = new SeededRandom(7);
    const h = new RegisterHistory();
    let state: string | null = null;
    let revision = 1;
    let modRevision = 0;
    // A linearizable history on one key: operation i takes effect at 10·i and is in flight
    // around it, overlapping its neighbours.
    const written: { value: string; end: number }[] = [];
    for (let i = 0; i < 600; i++) {
      const point = 10 * i + 5;
      const at: [number, number] = [point - rng.int(12), point + rng.int(12)];
      const client = i % 8;
      const roll = rng.float();
      if (roll < 0.4) {
        h.get(client, 'k', state, at, revision, modRevision);
      } else if (roll < 0.8) {
        const value = `v${i}`;
        revision++;
        h.put(client, 'k', value, at, revision);
        state = value;
        modRevision = revision;
        written.push({ value, end: at[1] });
      } else {
        const expect = rng.chance(0.5) ? state : 'nope';
        const value = `v${i}`;
        const swapped = expect === state;
        if (swapped) {
          revision++;
          state = value;
          modRevision = revision;
          written.push({ value, end: at[1] });
        }
        h.cas(client, 'k', expect, value, swapped, at, revision);
      }
    }
    // The planted stale read: long after, it returns a value overwritten hundreds of ops ago.
    const old = written[10]!;
    const stale = h.get(5, 'k', old.value, [7000, 7005], revision, 3);
    const v = checkLinearizability(h.records);
    assert.equal(v.ok, false);
    assert.ok(v.witness!.includes(stale.id), `witness ${v.witness} lacks the stale read`);
    assert.ok(v.witness!.length <= 4, `witness of ${v.witness!.length}: ${v.explanation}`);
  });
});
