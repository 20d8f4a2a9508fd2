// HTTP/2 framing (RFC 9113 §3.4, §4, §6) as far as a reader of the client's
// side of a connection needs it: the preface, frame headers, the header
// block inside HEADERS and CONTINUATION, and writing a header block back
// out as frames.

import { FrameError } from './h2-errors.js';

/** What a client sends first (§3.4). */
export const clientPreface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const frameHeaderBytes = 9;

export const FrameType = {
  data: 0x0,
  headers: 0x1,
  priority: 0x2,
  rstStream: 0x3,
  settings: 0x4,
  pushPromise: 0x5,
  ping: 0x6,
  goaway: 0x7,
  windowUpdate: 0x8,
  continuation: 0x9,
} as const;

export const FrameFlag = {
  /** SETTINGS, PING. */
  ack: 0x1,
  /** DATA, HEADERS. */
  endStream: 0x1,
  /** HEADERS, CONTINUATION. */
  endHeaders: 0x4,
  /** DATA, HEADERS. */
  padded: 0x8,
  /** HEADERS. */
  priority: 0x20,
} as const;

/** PING payload (§6.7). */
export const pingPayloadBytes = 8;
/** HEADERS' stream dependency and weight (§6.2). */
const priorityBytes = 5;

export interface FrameHeader {
  readonly length: number;
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
}

export function readFrameHeader(buf: Uint8Array, offset: number): FrameHeader {
  const b = (i: number) => buf[offset + i]!;
  return {
    length: (b(0) << 16) | (b(1) << 8) | b(2),
    type: b(3),
    flags: b(4),
    // The reserved high bit is ignored on receipt (§4.1).
    streamId: ((b(5) & 0x7f) * 2 ** 24 + (b(6) << 16) + (b(7) << 8) + b(8)) >>> 0,
  };
}

export function frame(type: number, flags: number, streamId: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(frameHeaderBytes + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId & 0x7fffffff, 5);
  out.set(payload, frameHeaderBytes);
  return out;
}

/** The empty SETTINGS frame: "all defaults", a valid server preface (§3.4). */
export const emptySettingsFrame = frame(FrameType.settings, 0, 0, Buffer.alloc(0));

/**
 * The header block fragment of a HEADERS frame's payload, without its
 * padding (§6.1) and its priority fields (§6.2), which are returned apart.
 */
export function headersFragment(
  header: FrameHeader,
  payload: Buffer,
): { fragment: Buffer; priority: Buffer | undefined } {
  let start = 0;
  let end = payload.length;
  if (header.flags & FrameFlag.padded) {
    if (payload.length < 1) throw new FrameError('HEADERS too short for its pad length');
    end -= payload[0]!;
    start = 1;
  }
  let priority: Buffer | undefined;
  if (header.flags & FrameFlag.priority) {
    priority = payload.subarray(start, start + priorityBytes);
    start += priorityBytes;
  }
  // Padding as long as the payload or longer is a PROTOCOL_ERROR (§6.2).
  if (end < start) throw new FrameError('HEADERS padding or priority beyond the payload');
  return { fragment: payload.subarray(start, end), priority };
}

/**
 * A header block as one HEADERS frame and as many CONTINUATION frames as
 * `maxFrameBytes` (the peer's SETTINGS_MAX_FRAME_SIZE) requires (§4.3).
 * `flags` may carry END_STREAM; END_HEADERS goes on the last frame.
 */
export function headerBlockFrames(
  streamId: number,
  flags: number,
  priority: Buffer | undefined,
  block: Buffer,
  maxFrameBytes: number,
): Buffer[] {
  const frames: Buffer[] = [];
  const head = priority ? Buffer.concat([priority, block]) : block;
  let headFlags = (flags & FrameFlag.endStream) | (priority ? FrameFlag.priority : 0);
  let offset = Math.min(maxFrameBytes, head.length);
  if (offset === head.length) headFlags |= FrameFlag.endHeaders;
  frames.push(frame(FrameType.headers, headFlags, streamId, head.subarray(0, offset)));
  while (offset < head.length) {
    const end = Math.min(offset + maxFrameBytes, head.length);
    const last = end === head.length ? FrameFlag.endHeaders : 0;
    frames.push(frame(FrameType.continuation, last, streamId, head.subarray(offset, end)));
    offset = end;
  }
  return frames;
}
