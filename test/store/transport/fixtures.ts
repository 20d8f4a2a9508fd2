// Messages and snapshots the transport tests build, and a comparable form of
// what comes out the other side.

import { MessageType, newMessage, type Message, type NodeId } from '../../../store/raft/types.js';
import { encodeMessage, joinEncoded } from '../../../store/transport/wire-codec.js';

export const maxU64 = (1n << 64n) - 1n;
export const maxSafe = Number.MAX_SAFE_INTEGER;

export function app(
  from: NodeId,
  to: NodeId,
  index: number,
  extra: Partial<Message> = {},
): Message {
  return newMessage({ type: MessageType.App, from, to, term: 1, logTerm: 1, index, ...extra });
}

/** A comparable form: bytes as hex, so Buffer and Uint8Array compare equal. */
export function plain(v: unknown): unknown {
  if (v instanceof Uint8Array)
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, plain(x)]),
    );
  }
  return v;
}

export function concat(chunks: readonly Uint8Array[]): Buffer {
  return Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
}

/** `total` deterministic bytes yielded in pieces of `piece` (not a multiple of the chunk size on purpose). */
export function snapshotSource(
  total: number,
  piece: number,
): { bytes: Buffer; data: () => AsyncIterable<Uint8Array> } {
  const bytes = Buffer.alloc(total);
  for (let i = 0; i < total; i++) bytes[i] = (i * 7 + (i >> 12)) % 251;
  async function* gen(): AsyncGenerator<Uint8Array> {
    for (let off = 0; off < total; off += piece)
      yield bytes.subarray(off, Math.min(total, off + piece));
  }
  return { bytes, data: gen };
}

export function snapMessage(from: NodeId, to: NodeId): Message {
  return newMessage({
    type: MessageType.Snap,
    from,
    to,
    term: 9,
    snapshot: {
      metadata: {
        index: maxSafe,
        term: 9,
        confState: { voters: [from, to, maxU64], learners: [2n ** 63n + 1n] },
      },
      data: new Uint8Array([1, 2, 3]),
    },
  });
}

/** A batch payload as a correct sender builds it. */
export function payloadOf(msgs: Message[]): Uint8Array {
  const encoded = msgs.map(encodeMessage);
  return joinEncoded(
    encoded,
    encoded.reduce((n, e) => n + e.length, 0),
  );
}
