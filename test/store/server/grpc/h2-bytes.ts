// Client bytes for tests of the HTTP/2 readers: HPACK representations
// (RFC 7541 §6), a Huffman encoder (§5.2) and frames, built by hand so a
// test shows exactly what the client sent.

import {
  frame,
  FrameFlag,
  FrameType,
  clientPreface,
} from '../../../../store/server/grpc/h2-frames.js';
import { huffmanCode } from '../../../../store/server/grpc/hpack-huffman.js';

export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

export function huffmanEncode(s: string): Buffer {
  const out: number[] = [];
  let acc = 0n;
  let bits = 0n;
  for (const octet of Buffer.from(s, 'latin1')) {
    const { code, bits: n } = huffmanCode(octet);
    acc = (acc << BigInt(n)) | BigInt(code);
    bits += BigInt(n);
    while (bits >= 8n) {
      bits -= 8n;
      out.push(Number((acc >> bits) & 0xffn));
    }
  }
  if (bits > 0n) {
    // Pad with the most significant bits of EOS: ones.
    const pad = 8n - bits;
    out.push(Number(((acc << pad) | ((1n << pad) - 1n)) & 0xffn));
  }
  return Buffer.from(out);
}

export function integer(value: number, prefixBits: number, flags = 0): Buffer {
  const mask = (1 << prefixBits) - 1;
  if (value < mask) return Buffer.from([flags | value]);
  const out = [flags | mask];
  let rest = value - mask;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest >>= 7;
  }
  out.push(rest);
  return Buffer.from(out);
}

export function string(s: string, huffman = false): Buffer {
  const raw = huffman ? huffmanEncode(s) : Buffer.from(s, 'latin1');
  return Buffer.concat([integer(raw.length, 7, huffman ? 0x80 : 0), raw]);
}

/** §6.1 */
export function indexed(index: number): Buffer {
  return integer(index, 7, 0x80);
}

type Indexing = 'incremental' | 'none' | 'never';

/** §6.2: a literal field, its name indexed (a number) or literal (a string). */
export function literal(
  name: number | string,
  value: string,
  o: { indexing?: Indexing; huffman?: boolean } = {},
): Buffer {
  const indexing = o.indexing ?? 'incremental';
  const [prefixBits, flags] =
    indexing === 'incremental' ? [6, 0x40] : indexing === 'never' ? [4, 0x10] : [4, 0x00];
  const head =
    typeof name === 'number'
      ? integer(name, prefixBits, flags)
      : Buffer.concat([integer(0, prefixBits, flags), string(name, o.huffman)]);
  return Buffer.concat([head, string(value, o.huffman)]);
}

/** §6.3 */
export function tableSizeUpdate(bytes: number): Buffer {
  return integer(bytes, 5, 0x20);
}

/** The client preface and an empty SETTINGS frame. */
export function clientStart(): Buffer {
  return Buffer.concat([clientPreface, frame(FrameType.settings, 0, 0, Buffer.alloc(0))]);
}

export const settingsAck = frame(FrameType.settings, FrameFlag.ack, 0, Buffer.alloc(0));

export function headersFrame(
  streamId: number,
  block: Buffer,
  flags = FrameFlag.endHeaders,
): Buffer {
  return frame(FrameType.headers, flags, streamId, block);
}

export function dataFrame(streamId: number, payload: Buffer, flags = FrameFlag.endStream): Buffer {
  return frame(FrameType.data, flags, streamId, payload);
}

/** A gRPC request's fields, as grpc-go sends them, with the given authority. */
export function grpcRequest(authority: string, o: { huffman?: boolean } = {}): Buffer {
  return Buffer.concat([
    indexed(3), // :method POST
    indexed(6), // :scheme http
    literal(4, '/etcdserverpb.Maintenance/Status', { huffman: o.huffman }),
    literal(1, authority, { huffman: o.huffman }),
    literal('content-type', 'application/grpc', { huffman: o.huffman }),
    literal('te', 'trailers', { huffman: o.huffman }),
  ]);
}
