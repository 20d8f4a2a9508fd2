import assert from 'node:assert/strict';
import test from 'node:test';
import { MessageType, newMessage, StateType } from '../../../store/raft/index.js';
import { Harness } from './harness.js';

test('RawNode.step refuses messages no correct peer sends, and changes nothing', () => {
  const h = new Harness([1n, 2n, 3n]);
  h.campaign(1n);
  const follower = h.node(2n);
  const before = follower.status();
  const bad = [
    newMessage({ type: MessageType.Hup, from: 1n, to: 2n }),
    newMessage({ type: MessageType.App, from: 1n, to: 2n, term: Number.NaN }),
    newMessage({ type: MessageType.App, from: 1n, to: 2n, term: before.term, index: -1 }),
    newMessage({
      type: MessageType.Heartbeat,
      from: 1n,
      to: 2n,
      term: before.term,
      commit: 2 ** 60,
    }),
    newMessage({ type: MessageType.AppResp, from: 1n, to: 2n, term: before.term, rejectHint: 1.5 }),
  ];
  for (const m of bad) {
    assert.throws(
      () => follower.step(m),
      RangeError,
      `message ${JSON.stringify(m, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`,
    );
  }
  const after = follower.status();
  assert.equal(after.term, before.term);
  assert.equal(after.commit, before.commit);
  assert.equal(after.lastIndex, before.lastIndex);
  assert.equal(h.node(1n).raft.state, StateType.Leader);
});

test('ready() may not be taken twice without advance()', () => {
  const h = new Harness([1n]);
  const node = h.node(1n);
  node.campaign();
  node.ready();
  assert.throws(() => node.ready(), /before the previous Ready was advanced/);
  node.advance();
  assert.throws(() => node.advance(), /advance\(\) without a Ready/);
});
