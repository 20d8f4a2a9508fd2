import assert from 'node:assert/strict';
import test from 'node:test';
import { runDemo } from '../../../store/demo/demo-cluster.js';

test('the demo cluster elects, replicates, survives a leader crash and ends with identical members', () => {
  for (const seed of [1, 2, 3]) {
    const { lines, finalState } = runDemo(seed);
    assert.equal(finalState.length, 4, `seed ${seed}: four live members`);
    for (const s of finalState) {
      assert.equal(s.applied, finalState[0]!.applied, `seed ${seed}: member ${s.id} applied index`);
      assert.equal(s.kv, finalState[0]!.kv, `seed ${seed}: member ${s.id} data`);
    }
    const data = JSON.parse(finalState[0]!.kv) as [string, string][];
    assert.deepEqual(
      data.map(([k]) => k),
      ['k1', 'k2', 'k3', 'k4', 'k5'],
    );
    assert.ok(lines.some((l) => l.includes('took over in term')));
  }
});
