// The wire's numbers and codecs: what a peer may send, what is refused, and
// that nothing is rounded on the way.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Packr } from 'msgpackr';

import { EntryType, MessageType, newMessage } from '../../../store/raft/types.js';
import { messageFromWire, messageToWire } from '../../../store/transport/proto-codec.js';
import { decodePayload, encodeMessage, joinEncoded } from '../../../store/transport/wire-codec.js';
import { parseId, parseIndex, WireError } from '../../../store/transport/wire-numbers.js';
import { app, payloadOf, plain, snapMessage } from './fixtures.js';

const maxU64 = (1n << 64n) - 1n;
const packr = new Packr({ useRecords: false, int64AsType: 'bigint' });

describe('wire numbers', () => {
  it('reads any uint64 as an id, and nothing else', () => {
    assert.equal(parseId('18446744073709551615', 'id'), maxU64);
    assert.equal(parseId('0', 'id'), 0n);
    for (const bad of ['18446744073709551616', '-1', '01', '1e3', '', ' 1', '0x10', 5]) {
      assert.throws(() => parseId(bad, 'id'), WireError, String(bad));
    }
  });

  it('reads terms and indexes up to 2^53-1 and refuses larger ones rather than rounding', () => {
    assert.equal(parseIndex('9007199254740991', 'index'), Number.MAX_SAFE_INTEGER);
    assert.throws(() => parseIndex('9007199254740992', 'index'), /above 2\^53-1/);
    assert.throws(() => parseIndex('9007199254740993', 'index'), /above 2\^53-1/);
    assert.throws(() => parseIndex('18446744073709551615', 'index'), WireError);
  });
});

describe('the batch payload codec', () => {
  it('round-trips messages; an empty context is the same as none', () => {
    const msgs = [
      app(1n, maxU64, 7, {
        entries: [{ term: 3, index: 8, type: EntryType.ConfChange, data: new Uint8Array([1, 2]) }],
        context: new Uint8Array([5]),
      }),
      newMessage({
        type: MessageType.HeartbeatResp,
        from: 1n,
        to: maxU64,
        context: new Uint8Array(0),
      }),
    ];
    const { messages, invalid } = decodePayload(payloadOf(msgs), 1n, maxU64);
    assert.equal(invalid, 0);
    const { context: _, ...withoutContext } = msgs[1]!;
    assert.deepEqual(plain(messages), plain([msgs[0], withoutContext]));
  });

  it('frames any number of messages as one msgpack array', () => {
    for (const n of [0, 1, 15, 16, 65_535, 65_536]) {
      const one = encodeMessage(newMessage({ type: MessageType.Heartbeat, from: 1n, to: 2n }));
      const payload = joinEncoded(Array<Uint8Array>(n).fill(one), n * one.length);
      assert.equal(decodePayload(payload, 1n, 2n).messages.length, n, `n=${n}`);
    }
  });

  it('refuses, one by one, records no correct peer sends', () => {
    const ok = [MessageType.App, 2n, 1, 1, 1, [], 0, false, 0, null];
    const cases: unknown[][] = [
      [MessageType.App, 3n, 1, 1, 1, [], 0, false, 0, null], // addressed to someone else
      [MessageType.Snap, 2n, 1, 1, 1, [], 0, false, 0, null], // snapshots have their own stream
      [MessageType.Beat, 2n, 1, 1, 1, [], 0, false, 0, null], // local
      [99, 2n, 1, 1, 1, [], 0, false, 0, null],
      [MessageType.App, 2, 1, 1, 1, [], 0, false, 0, null], // an id must be 64-bit
      [MessageType.App, 2n, 1.5, 1, 1, [], 0, false, 0, null],
      [MessageType.App, 2n, 1, 1, 1, [[1, 1, 7, new Uint8Array()]], 0, false, 0, null],
      [MessageType.App, 2n, 1, 1, 1, [[1, 1, 0, 'text']], 0, false, 0, null],
      [MessageType.App, 2n, 1, 1, 1, [], 0, 'no', 0, null],
      [MessageType.App, 2n, 1, 1, 1, [], 0, false, 0, 'ctx'],
      [MessageType.App, 2n, 1, 1],
    ];
    const { messages, invalid } = decodePayload(packr.pack([ok, ...cases, ok]), 1n, 2n);
    assert.equal(messages.length, 2);
    assert.equal(invalid, cases.length);
    assert.deepEqual(decodePayload(new Uint8Array([0xc1]), 1n, 2n), { messages: [], invalid: 1 });
    assert.deepEqual(decodePayload(packr.pack({ a: 1 }), 1n, 2n), { messages: [], invalid: 1 });
  });

  it('refuses to encode numbers a peer would refuse', () => {
    assert.throws(() => encodeMessage(app(1n, 2n, -1)), RangeError);
    assert.throws(() => encodeMessage(app(1n, 2n, 1, { commit: 2 ** 53 })), RangeError);
    assert.throws(() => encodeMessage(app(1n, 1n << 64n, 1)), RangeError);
  });
});

describe('the typed Message (snapshot headers)', () => {
  it('round-trips a MsgSnap with 64-bit ids and safe indexes', () => {
    const m = snapMessage(maxU64, 2n ** 63n);
    assert.deepEqual(plain(messageFromWire(messageToWire(m))), plain(m));
  });

  it('refuses an index above 2^53-1', () => {
    const w = messageToWire(snapMessage(1n, 2n));
    w.snapshot!.metadata!.index = '9007199254740993';
    assert.throws(() => messageFromWire(w), /above 2\^53-1/);
    assert.throws(() => messageFromWire({ ...w, type: 99 }), WireError);
  });
});
