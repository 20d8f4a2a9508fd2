// The register workload's other verdicts: every read agrees with the
// revisions of the writes (serializable reads included), and no acknowledged
// write is lost by the end.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { checkReadRevisions, checkRegisterLostWrites } from '../../../store/chaos/checks/index.js';
import { RegisterHistory } from './history.js';

describe('read-revisions verdict', () => {
  it('passes a stale serializable read that matches its own header revision', () => {
    const h = new RegisterHistory('mixed');
    h.put(1, 'k', 'a', [0, 10], 2);
    h.put(1, 'k', 'b', [20, 30], 3);
    h.get(2, 'k', 'a', [40, 50], 2, 2, true); // a member still at revision 2
    h.get(2, 'k', null, [60, 70], 1, 0, true); // one still at revision 1
    const v = checkReadRevisions(h.records);
    assert.equal(v.ok, true, v.explanation);
    assert.equal(v.stats?.['serializableReads'], 2);
  });

  it('finds a serializable read that misses a write at or below its header revision', () => {
    const h = new RegisterHistory('mixed');
    h.put(1, 'k', 'a', [0, 10], 2);
    h.put(1, 'k', 'b', [20, 30], 3);
    h.get(2, 'k', 'a', [40, 50], 3, 2, true);
    const v = checkReadRevisions(h.records);
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /missing .* at 3/);
  });

  it('finds a read of a value no operation wrote, and one only a failed write wrote', () => {
    const h = new RegisterHistory('mixed');
    h.get(2, 'k', 'ghost', [40, 50], 3, 2, true);
    h.put(1, 'k2', 'x', [0, 10], 0, 'fail');
    h.get(2, 'k2', 'x', [40, 50], 3, 3, true);
    const v = checkReadRevisions(h.records);
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /no operation wrote/);
    assert.match(v.explanation!, /failed/);
  });

  it('finds a read whose mod revision is not the one the write was acknowledged at', () => {
    const h = new RegisterHistory();
    h.put(1, 'k', 'a', [0, 10], 2);
    h.get(2, 'k', 'a', [20, 30], 4, 3);
    assert.equal(checkReadRevisions(h.records).ok, false);
  });

  it('finds an absent read after an acknowledged put that nothing deleted', () => {
    const h = new RegisterHistory('mixed');
    h.put(1, 'k', 'a', [0, 10], 2);
    h.get(2, 'k', null, [20, 30], 2, 0, true);
    assert.equal(checkReadRevisions(h.records).ok, false);
    h.add({ client: 3, input: { f: 'delete', key: 'k' }, at: [5, undefined], outcome: 'unknown' });
    assert.equal(checkReadRevisions(h.records).ok, true, 'a delete of unknown outcome explains it');
  });
});

describe('lost-writes verdict (register)', () => {
  it('passes when every acknowledged write is at the end or overwritten by a later one', () => {
    const h = new RegisterHistory();
    h.put(1, 'p/a', 'a1', [0, 10], 2);
    h.put(2, 'p/a', 'a2', [5, 15], 3);
    h.put(1, 'p/b', 'b1', [20, 30], 4);
    h.delete(2, 'p/b', 1, [25, 35], 5);
    h.finalRead('p/', [{ key: 'p/a', value: 'a2', modRevision: 3 }], [40, 50], 5);
    const v = checkRegisterLostWrites(h.records);
    assert.equal(v.ok, true, v.explanation);
    assert.equal(v.stats?.['acknowledgedWrites'], 3);
  });

  it('finds an acknowledged put that the end state forgot', () => {
    const h = new RegisterHistory();
    h.put(1, 'p/a', 'a1', [0, 10], 2);
    h.put(1, 'p/a', 'a2', [20, 30], 3);
    h.finalRead('p/', [{ key: 'p/a', value: 'a1', modRevision: 2 }], [40, 50], 3);
    const v = checkRegisterLostWrites(h.records);
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /"value":"a2".*older than the acknowledged write/);
  });

  it('finds an acknowledged put whose key vanished with no delete to explain it', () => {
    const h = new RegisterHistory();
    h.put(1, 'p/a', 'a1', [0, 10], 2);
    h.finalRead('p/', [], [40, 50], 2);
    assert.equal(checkRegisterLostWrites(h.records).ok, false);
  });

  it('fails without a final read, rather than passing blind', () => {
    const h = new RegisterHistory();
    h.put(1, 'p/a', 'a1', [0, 10], 2);
    const v = checkRegisterLostWrites(h.records);
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /no final read/);
  });
});
