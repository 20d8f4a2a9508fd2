// Raft messages inside Batch.payload: msgpack, not typed proto fields.
//
// Measured on this 2-core machine (`node --import tsx test/bench/transport-bench.ts
// --codec`, two runs): encode + decode of one Batch of 64 messages, both ways
// including our conversions and range checks (proto-codec.ts for the typed
// fields; this file for msgpack), proto-loader 0.8.1 / protobufjs 7.6.6 vs
// msgpackr 2.1.4:
//
//   batch                           typed proto fields       msgpack payload
//   64 MsgApp x 1 entry of 1 KiB    ~750-830 µs, 69.1 KB     ~145 µs, 67.6 KB
//                                   (~80k msgs/s)            (~440k msgs/s)
//   64 MsgApp x 4 entries of 1 KiB  ~1.1-1.4 ms, 268 KB      ~375 µs, 266 KB
//                                   (~50k msgs/s)            (~170k msgs/s)
//   64 MsgHeartbeat                 ~520 µs, 2.7 KB          ~50-80 µs, 1.5 KB
//                                   (~120k msgs/s)           (~0.8-1.3M msgs/s)
//
// Decoding is the gap (~10x): with `longs: String` protobufjs builds a Long
// and a decimal string for each of the ~10 integer fields of every message
// and entry, and we parse them back; msgpack reads numbers as numbers. The
// typed codec alone would cap a stream near 80k msgs/s of 1 KiB appends;
// with msgpack a batched stream carries ~190k of them a second, both ends
// in one process (transport-bench). So: msgpack payload, proto envelope.
//
// Each message is encoded on its own when it is queued (that checks it and
// gives its exact size for the queue bounds); a batch is a msgpack array
// header followed by the queued encodings, so nothing is encoded twice.
//
// Record layout, positional (fields may be appended; a decoder ignores extra):
//   [type, to, term, logTerm, index, entries, commit, reject, rejectHint, context]
//   entry: [term, index, type, data]; context: bytes or null; `from` is the batch's.

import { Packr } from 'msgpackr';
import { EntryType, isLocalMessage, MessageType, type Entry, type Message } from '../raft/types.js';
import {
  assertOutgoingId,
  assertOutgoingIndex,
  checkId,
  checkIndex,
  WireError,
} from './wire-numbers.js';

const recordFields = 10;

// The store's msgpack settings (docs/store-design.md), in an instance of the
// wire's own: the peer protocol must not change when storage encoding is tuned.
// `int64AsType: 'bigint'`: ids travel as 64-bit integers and come back as
// bigint; a term or index too large for a safe number also decodes as bigint
// (or float64) and is refused. `useRecords: false`: no shared structures.
const packr = new Packr({ useRecords: false, int64AsType: 'bigint' });
const encode = (v: unknown): Uint8Array => packr.pack(v);
const decode = (b: Uint8Array): unknown => packr.unpack(b);

/** Encodes one outgoing message; throws RangeError on a number no peer would accept. */
export function encodeMessage(m: Message): Uint8Array {
  assertOutgoingId(m.to, 'message to');
  assertOutgoingIndex(m.term, 'message term');
  assertOutgoingIndex(m.logTerm, 'message log term');
  assertOutgoingIndex(m.index, 'message index');
  assertOutgoingIndex(m.commit, 'message commit');
  assertOutgoingIndex(m.rejectHint, 'message reject hint');
  const entries = m.entries.map((e) => {
    assertOutgoingIndex(e.term, 'entry term');
    assertOutgoingIndex(e.index, 'entry index');
    return [e.term, e.index, e.type, e.data];
  });
  const context = m.context !== undefined && m.context.length > 0 ? m.context : null;
  return encode([
    m.type,
    m.to,
    m.term,
    m.logTerm,
    m.index,
    entries,
    m.commit,
    m.reject,
    m.rejectHint,
    context,
  ]);
}

/** A msgpack array of already-encoded messages (array header + the encodings, concatenated). */
export function joinEncoded(encoded: readonly Uint8Array[], bytes: number): Uint8Array {
  const n = encoded.length;
  const headerBytes = n < 16 ? 1 : n < 0x10000 ? 3 : 5;
  const out = Buffer.allocUnsafe(headerBytes + bytes);
  if (n < 16) out[0] = 0x90 | n;
  else if (n < 0x10000) {
    out[0] = 0xdc;
    out.writeUInt16BE(n, 1);
  } else {
    out[0] = 0xdd;
    out.writeUInt32BE(n, 1);
  }
  let at = headerBytes;
  for (const e of encoded) {
    out.set(e, at);
    at += e.length;
  }
  if (at !== out.length) throw new Error('joinEncoded: byte count does not match the encodings');
  return out;
}

export interface DecodedPayload {
  messages: Message[];
  /** Records refused as malformed (counted; the others are delivered). */
  invalid: number;
}

/**
 * Decodes a batch payload sent by `from` to `self`. A record that is
 * malformed, of a local type, a MsgSnap (snapshots have their own stream),
 * addressed elsewhere or holding an unsafe number is refused on its own;
 * Raft treats that as one more lost message.
 */
export function decodePayload(payload: Uint8Array, from: bigint, self: bigint): DecodedPayload {
  let records: unknown;
  try {
    records = decode(payload);
  } catch {
    return { messages: [], invalid: 1 };
  }
  if (!Array.isArray(records)) return { messages: [], invalid: 1 };
  const messages: Message[] = [];
  let invalid = 0;
  for (const r of records) {
    try {
      const m = decodeRecord(r, from);
      if (m.to !== self) throw new WireError(`message to ${m.to}, not to ${self}`);
      messages.push(m);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      invalid++;
    }
  }
  return { messages, invalid };
}

function decodeRecord(r: unknown, from: bigint): Message {
  if (!Array.isArray(r) || r.length < recordFields) throw new WireError('not a message record');
  const type = checkMessageType(r[0]);
  const rawEntries: unknown = r[5];
  if (!Array.isArray(rawEntries)) throw new WireError('entries: not an array');
  const context: unknown = r[9];
  if (context !== null && !(context instanceof Uint8Array))
    throw new WireError('context: not bytes');
  if (typeof r[7] !== 'boolean') throw new WireError('reject: not a boolean');
  const m: Message = {
    type,
    to: checkId(r[1], 'to'),
    from,
    term: checkIndex(r[2], 'term'),
    logTerm: checkIndex(r[3], 'log term'),
    index: checkIndex(r[4], 'index'),
    entries: rawEntries.map(decodeEntry),
    commit: checkIndex(r[6], 'commit'),
    reject: r[7],
    rejectHint: checkIndex(r[8], 'reject hint'),
  };
  if (context !== null && context.length > 0) m.context = context;
  return m;
}

function decodeEntry(e: unknown): Entry {
  if (!Array.isArray(e) || e.length < 4) throw new WireError('not an entry record');
  const type: unknown = e[2];
  if (type !== EntryType.Normal && type !== EntryType.ConfChange) {
    throw new WireError(`entry type: ${String(type)}`);
  }
  const data: unknown = e[3];
  if (!(data instanceof Uint8Array)) throw new WireError('entry data: not bytes');
  return {
    term: checkIndex(e[0], 'entry term'),
    index: checkIndex(e[1], 'entry index'),
    type: type as EntryType,
    data,
  };
}

/** A type a peer may send in a batch: known, not local, not MsgSnap. */
export function checkMessageType(t: unknown): MessageType {
  if (typeof t !== 'number' || MessageType[t] === undefined) {
    throw new WireError(`message type: ${String(t)}`);
  }
  if (isLocalMessage(t) || t === MessageType.Snap) {
    throw new WireError(`message type ${MessageType[t]} cannot come from a peer batch`);
  }
  return t;
}
