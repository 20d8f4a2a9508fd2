// Snapshot transfer, both ends, independent of how the chunks travel.
//
// The sender re-cuts whatever the state exporter yields into chunks of
// exactly `chunkBytes` (the last may be shorter) and keeps a running crc32
// and length; the receiver collects chunks up to a bound and hands them over
// only if the crc32 and length it computed match those of the last chunk. A
// snapshot replaces a member's whole state, so a damaged one must never
// reach it (etcd checks the sha256 appended to its snapshot files likewise).

import { crc32 } from 'node:zlib';

export interface SnapshotDigest {
  crc32: number;
  totalBytes: number;
}

/**
 * Yields `source` re-cut into chunks of `chunkBytes`, updating `digest` as it
 * goes (the digest is final once the generator is done). Pieces already a
 * full chunk long are passed on without a copy, so the source must not reuse
 * a buffer after yielding it.
 */
export async function* cutSnapshotChunks(
  source: AsyncIterable<Uint8Array>,
  chunkBytes: number,
  digest: SnapshotDigest,
): AsyncGenerator<Uint8Array> {
  let buf = Buffer.allocUnsafe(chunkBytes);
  let fill = 0;
  const emit = (chunk: Uint8Array): Uint8Array => {
    digest.crc32 = crc32(chunk, digest.crc32);
    digest.totalBytes += chunk.length;
    return chunk;
  };
  for await (const piece of source) {
    let off = 0;
    while (off < piece.length) {
      if (fill === 0 && piece.length - off >= chunkBytes) {
        yield emit(piece.subarray(off, off + chunkBytes));
        off += chunkBytes;
        continue;
      }
      const n = Math.min(chunkBytes - fill, piece.length - off);
      buf.set(piece.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === chunkBytes) {
        yield emit(buf);
        buf = Buffer.allocUnsafe(chunkBytes);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield emit(buf.subarray(0, fill));
}

/** The receiving end: collects chunks, refuses past `maxBytes`, verifies at the end. */
export class SnapshotAssembler {
  readonly chunks: Uint8Array[] = [];
  private crc = 0;
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Adds a chunk; returns why the snapshot is refused, if it now is. */
  add(data: Uint8Array): string | undefined {
    if (this.bytes + data.length > this.maxBytes) {
      return `snapshot larger than ${this.maxBytes} bytes`;
    }
    if (data.length === 0) return undefined;
    this.chunks.push(data);
    this.crc = crc32(data, this.crc);
    this.bytes += data.length;
    return undefined;
  }

  /** Checks the sender's digest against what arrived; returns why it does not match, if it does not. */
  verify(expected: SnapshotDigest): string | undefined {
    if (expected.totalBytes !== this.bytes) {
      return `snapshot length mismatch: sent ${expected.totalBytes} bytes, received ${this.bytes}`;
    }
    if (expected.crc32 >>> 0 !== this.crc >>> 0) {
      return `snapshot checksum mismatch: sent crc32 ${expected.crc32 >>> 0}, computed ${this.crc >>> 0}`;
    }
    return undefined;
  }
}
