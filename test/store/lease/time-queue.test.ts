// The lessor's due-time queue: soonest first, one live time per id,
// replaced and removed entries never surface.
import assert from 'node:assert/strict';
import test from 'node:test';
import { TimeQueue } from '../../../store/lease/time-queue.js';

function drain(q: TimeQueue, now: number): bigint[] {
  const out: bigint[] = [];
  for (let s = q.popDue(now); s !== undefined; s = q.popDue(now)) out.push(s.id);
  return out;
}

test('entries come out soonest first, ties by id, and only once due', () => {
  const q = new TimeQueue();
  q.set(3n, 30);
  q.set(1n, 10);
  q.set(2n, 10);
  assert.equal(q.popDue(9), undefined);
  assert.deepEqual(drain(q, 10), [1n, 2n]);
  assert.deepEqual(drain(q, 100), [3n]);
  assert.equal(q.size, 0);
});

test('setting an id again replaces its time; deleting it removes it', () => {
  const q = new TimeQueue();
  q.set(1n, 10);
  q.set(2n, 20);
  q.set(1n, 50);
  q.delete(2n);
  assert.deepEqual(drain(q, 40), []);
  assert.equal(q.dueAt(1n), 50);
  assert.deepEqual(drain(q, 50), [1n]);
});

test('many re-sets of the same ids keep the heap bounded and the order right', () => {
  const q = new TimeQueue();
  for (let round = 0; round < 1000; round++) {
    for (let id = 0n; id < 10n; id++) q.set(id, round * 10 + Number(id));
  }
  assert.equal(q.size, 10);
  assert.deepEqual(drain(q, Infinity), [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n]);
});
