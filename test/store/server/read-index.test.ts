import assert from 'node:assert/strict';
import test from 'node:test';
import { isEtcdError } from '../../../store/errors.js';
import { ProposalDroppedError, type ReadState } from '../../../store/raft/index.js';
import { ReadIndexer } from '../../../store/server/read-index.js';

function host() {
  const asked: string[] = [];
  const h = {
    asked,
    applied: 0,
    refuse: false,
    readIndex(ctx: Uint8Array) {
      if (h.refuse) throw new ProposalDroppedError('no-leader');
      asked.push(new TextDecoder().decode(ctx));
    },
    appliedIndex: () => h.applied,
  };
  return h;
}

const rs = (ctx: string, index: number): ReadState => ({
  index,
  requestCtx: new TextEncoder().encode(ctx),
});

test('§6.4: a read waits for a read index obtained after it arrived, then for the applied index to reach it', async () => {
  const h = host();
  const r = new ReadIndexer(h, 1000, 'm1');
  const order: string[] = [];
  const first = r.barrier().then(() => order.push('first'));
  assert.deepEqual(h.asked, ['m1:1']);
  // Arrives while round 1 is in flight: it must not use round 1's index.
  const second = r.barrier().then(() => order.push('second'));
  assert.deepEqual(h.asked, ['m1:1']);
  r.onReadStates([rs('m1:1', 5)]);
  assert.deepEqual(
    h.asked,
    ['m1:1', 'm1:2'],
    'the second round goes out once the first is answered',
  );
  await Promise.resolve();
  assert.deepEqual(order, [], 'not before applied reaches 5');
  h.applied = 5;
  r.onApplied(5);
  await first;
  r.onReadStates([rs('m1:2', 6)]);
  h.applied = 6;
  r.onApplied(6);
  await second;
  assert.deepEqual(order, ['first', 'second']);
});

test('many reads queued behind one round share the next one', async () => {
  const h = host();
  const r = new ReadIndexer(h, 1000, 'm1');
  const p0 = r.barrier();
  const ps = Array.from({ length: 50 }, () => r.barrier());
  assert.equal(h.asked.length, 1);
  h.applied = 9;
  r.onReadStates([rs('m1:1', 9)]);
  assert.equal(h.asked.length, 2, 'one round for the 50 that queued');
  r.onReadStates([rs('m1:2', 9)]);
  await Promise.all([p0, ...ps]);
});

test('with no leader the read fails at once with etcd\'s "no leader"', async () => {
  const h = host();
  h.refuse = true;
  const r = new ReadIndexer(h, 1000, 'm1');
  await assert.rejects(r.barrier(), (e: unknown) => isEtcdError(e, 'NoLeader'));
});

test('an unanswered round is asked again after the retry interval', () => {
  const h = host();
  const r = new ReadIndexer(h, 100, 'm1');
  void r.barrier();
  r.onTick(Date.now() + 50);
  assert.equal(h.asked.length, 1);
  r.onTick(Date.now() + 150);
  assert.deepEqual(h.asked, ['m1:1', 'm1:1'], 'same context: the leader answers whichever arrives');
});
