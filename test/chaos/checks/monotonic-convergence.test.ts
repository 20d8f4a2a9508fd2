// Two of the checks every run ends with: revisions never go backwards for a
// client, and every member converges to one HashKV at one revision.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { checkConvergence, checkMonotonicRevisions } from '../../../store/chaos/checks/index.js';
import { RegisterHistory } from './history.js';

describe('monotonic-revisions verdict', () => {
  it('passes revisions that only grow per client, in completion order', () => {
    const h = new RegisterHistory();
    h.put(1, 'k', 'a', [0, 10], 5);
    h.put(2, 'k', 'b', [0, 5], 4); // another client may see older revisions
    h.get(1, 'k', 'a', [20, 30], 5, 5);
    const v = checkMonotonicRevisions(h.records);
    assert.equal(v.ok, true, v.explanation);
    assert.equal(v.stats?.['operations'], 3);
  });

  it('finds a revision going backwards for one client', () => {
    const h = new RegisterHistory();
    h.put(1, 'k', 'a', [0, 10], 7);
    h.get(1, 'k', 'x', [20, 30], 6, 6);
    const v = checkMonotonicRevisions(h.records);
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /revision 7 -> 6/);
  });

  it('exempts serializable reads, which a lagging member may serve from the past', () => {
    const h = new RegisterHistory('mixed');
    h.put(1, 'k', 'a', [0, 10], 7);
    h.get(1, 'k', null, [20, 30], 1, 0, true);
    assert.equal(checkMonotonicRevisions(h.records).ok, true);
  });
});

describe('convergence verdict', () => {
  it('passes one hash at one revision', () => {
    const m = (name: string) => ({ name, hash: 42, revision: 100 });
    const v = checkConvergence([m('m1'), m('m2'), m('m3')]);
    assert.equal(v.ok, true, v.explanation);
  });

  it('finds diverged hashes and names the members on each side', () => {
    const v = checkConvergence([
      { name: 'm1', hash: 42, revision: 100 },
      { name: 'm2', hash: 42, revision: 100 },
      { name: 'm3', hash: 7, revision: 100 },
    ]);
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /diverged at revision 100: HashKV m1 m2: 42 \| m3: 7/);
  });

  it('finds members at different revisions, and members that did not answer', () => {
    assert.equal(
      checkConvergence([
        { name: 'm1', hash: 1, revision: 100 },
        { name: 'm2', hash: 1, revision: 99 },
      ]).ok,
      false,
    );
    const silent = checkConvergence([
      { name: 'm1', hash: 1, revision: 100 },
      { name: 'm2', hash: undefined, revision: undefined, error: 'connection refused' },
    ]);
    assert.equal(silent.ok, false);
    assert.match(silent.explanation!, /m2 \(connection refused\)/);
    assert.equal(checkConvergence([]).ok, false);
  });
});
