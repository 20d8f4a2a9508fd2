// Proposals and read requests a follower forwards to its leader travel
// once. capstan's peer streams carry no per-message sender (the receiver
// takes the stream's), so a request that reaches a member after it stopped
// leading is dropped rather than forwarded a second hop under another
// member's name — found by `capstan chaos --nemesis pause-leader`, where the
// deposed leader's transport refused such a message and the member stopped.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageType, newMessage, StateType } from '../../../store/raft/index.js';
import { Harness } from './harness.js';

const [n1, n2, n3] = [1n, 2n, 3n];

test('a deposed leader drops proposals and reads a peer forwarded to it; its own go to the new leader', () => {
  const h = new Harness([n1, n2, n3]);
  h.campaign(n1);
  h.node(n1).transferLeader(n2);
  h.stabilize();
  assert.equal(h.leader(), n2);
  assert.equal(h.node(n1).raft.state, StateType.Follower);
  h.drain(n1);
  // What n3 forwarded to n1 while n1 led, arriving late.
  const prop = newMessage({
    type: MessageType.Prop,
    from: n3,
    to: n1,
    entries: [{ term: 0, index: 0, type: 0, data: new Uint8Array([1]) }],
  });
  const read = newMessage({
    type: MessageType.ReadIndex,
    from: n3,
    to: n1,
    context: new Uint8Array([7]),
  });
  h.node(n1).raft.step(prop);
  h.node(n1).raft.step(read);
  const sent = h.drain(n1);
  assert.deepEqual(
    sent.filter((m) => m.type === MessageType.Prop || m.type === MessageType.ReadIndex),
    [],
  );
  // Everything n1 sends still names n1 as its sender.
  assert.ok(sent.every((m) => m.from === n1));
  // n1's own requests are forwarded as before.
  h.node(n1).propose(new Uint8Array([2]));
  h.node(n1).readIndex(new Uint8Array([8]));
  const own = h.drain(n1);
  assert.deepEqual(
    own.map((m) => [MessageType[m.type], m.from, m.to]),
    [
      ['Prop', n1, n2],
      ['ReadIndex', n1, n2],
    ],
  );
});
