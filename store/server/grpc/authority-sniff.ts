// Reads the start of a client connection, before Node's HTTP/2 server has
// it, until it can tell whether the client's requests need their
// :authority rewritten (authority-rewrite.ts) or can go to the server
// untouched — which is what every client that sends a valid authority
// gets, at no cost after this first look.
//
// The look ends at the first complete header block. The server has not
// spoken yet, but grpc-go (etcdctl) sends no request before the server's
// preface, so authority-fix.ts sends an empty SETTINGS frame first (a valid
// server preface, RFC 9113 §3.4: "all defaults"). The client's ACK of it
// must not reach the server, which never sent it: it is taken out here,
// and a connection goes to the server untouched only once it has come.
// PINGs that arrive meanwhile are answered here, and taken out too.
//
// Pure: bytes in, a verdict and the frames to answer with out.

import { FrameError, HpackError } from './h2-errors.js';
import {
  clientPreface,
  frame,
  FrameFlag,
  frameHeaderBytes,
  FrameType,
  headersFragment,
  pingPayloadBytes,
  readFrameHeader,
  type FrameHeader,
} from './h2-frames.js';
import { HpackDecoder } from './hpack.js';
import {
  hasInvalidAuthority,
  headerBlockBytesMax,
  serverHeaderTableBytes,
  serverMaxFrameBytes,
} from './authority-rewrite.js';

/**
 * Client bytes held while looking. A first request comes within a few
 * hundred bytes; what may follow before the ACK is bounded by the initial
 * flow-control window (65,535 bytes of DATA, §6.9.2). Past this the
 * connection is rewritten, which is right for every client, only slower.
 */
export const sniffBytesMax = 96 * 1024;

export type SniffVerdict =
  /** Not yet known; `waitingForAck`: only the ACK of our SETTINGS is missing. */
  | { readonly kind: 'wait'; readonly waitingForAck: boolean }
  /** Give the server the connection itself, with these bytes first. */
  | { readonly kind: 'direct'; readonly bytes: Buffer }
  /** Pass these bytes and all that follow through an AuthorityRewriter. */
  | { readonly kind: 'rewrite'; readonly bytes: Buffer; readonly ackPending: boolean };

export interface SniffStep {
  /** Frames to send the client now (PING ACKs). */
  readonly replies: Buffer[];
  readonly verdict: SniffVerdict;
}

interface OpenBlock {
  readonly streamId: number;
  readonly fragments: Buffer[];
  bytes: number;
}

export class FirstRequestSniffer {
  /** Whole frames kept for the server, in order. */
  private readonly kept: Buffer[] = [];
  /** Bytes after the kept frames: less than one frame. */
  private rest: Buffer = Buffer.alloc(0);
  private receivedBytes = 0;
  private prefaceSeen = false;
  private ackSeen = false;
  private block: OpenBlock | undefined;
  /** The first header block is complete and its authority valid. */
  private clean = false;
  private decided = false;

  push(chunk: Buffer): SniffStep {
    if (this.decided) throw new Error('authority-sniff: push after a verdict');
    this.receivedBytes += chunk.length;
    const buf = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    const replies: Buffer[] = [];
    const step = (verdict: SniffVerdict): SniffStep => {
      if (verdict.kind !== 'wait') this.decided = true;
      return { replies, verdict };
    };
    const held = (from: number) => Buffer.concat([...this.kept, buf.subarray(from)]);
    let pos = 0;
    if (!this.prefaceSeen) {
      const n = Math.min(buf.length, clientPreface.length);
      // Not HTTP/2: the server answers it as it would have.
      if (!buf.subarray(0, n).equals(clientPreface.subarray(0, n))) {
        return step({ kind: 'direct', bytes: held(0) });
      }
      if (n < clientPreface.length) {
        this.rest = buf;
        return step({ kind: 'wait', waitingForAck: false });
      }
      this.prefaceSeen = true;
      this.kept.push(buf.subarray(0, n));
      pos = n;
    }
    while (buf.length - pos >= frameHeaderBytes) {
      const header = readFrameHeader(buf, pos);
      // Broken framing: the server answers it as it would have (the connection is lost anyway).
      if (header.length > serverMaxFrameBytes) return step({ kind: 'direct', bytes: held(pos) });
      const end = pos + frameHeaderBytes + header.length;
      if (end > buf.length) break;
      const payload = buf.subarray(pos + frameHeaderBytes, end);
      const seen = this.look(header, payload, replies);
      if (seen === 'broken') return step({ kind: 'direct', bytes: held(pos) });
      if (seen !== 'drop') this.kept.push(buf.subarray(pos, end));
      pos = end;
      if (seen === 'bad-authority') {
        return step({ kind: 'rewrite', bytes: held(pos), ackPending: !this.ackSeen });
      }
      if (this.clean && this.ackSeen) return step({ kind: 'direct', bytes: held(pos) });
    }
    this.rest = Buffer.from(buf.subarray(pos));
    if (this.receivedBytes > sniffBytesMax) return step(this.giveUp());
    return step({ kind: 'wait', waitingForAck: this.clean && !this.ackSeen });
  }

  /** Stops looking: the connection is rewritten, which is right whatever comes. */
  giveUp(): SniffVerdict {
    this.decided = true;
    const bytes = Buffer.concat([...this.kept, this.rest]);
    return { kind: 'rewrite', bytes, ackPending: !this.ackSeen };
  }

  private look(
    h: FrameHeader,
    payload: Buffer,
    replies: Buffer[],
  ): 'keep' | 'drop' | 'broken' | 'bad-authority' {
    if (h.type === FrameType.settings && h.flags & FrameFlag.ack && !this.ackSeen) {
      this.ackSeen = true;
      return 'drop';
    }
    if (
      h.type === FrameType.ping &&
      (h.flags & FrameFlag.ack) === 0 &&
      h.streamId === 0 &&
      payload.length === pingPayloadBytes
    ) {
      replies.push(frame(FrameType.ping, FrameFlag.ack, 0, payload));
      return 'drop';
    }
    if (this.clean) return 'keep';
    if (this.block !== undefined) {
      if (h.type !== FrameType.continuation || h.streamId !== this.block.streamId) return 'broken';
      return this.collect(this.block, payload, h.flags);
    }
    if (h.type === FrameType.continuation) return 'broken';
    if (h.type !== FrameType.headers) return 'keep';
    try {
      const { fragment } = headersFragment(h, payload);
      return this.collect({ streamId: h.streamId, fragments: [], bytes: 0 }, fragment, h.flags);
    } catch (err) {
      if (err instanceof FrameError) return 'broken';
      throw err;
    }
  }

  private collect(
    block: OpenBlock,
    fragment: Buffer,
    flags: number,
  ): 'keep' | 'broken' | 'bad-authority' {
    block.bytes += fragment.length;
    if (block.bytes > headerBlockBytesMax) return 'broken';
    block.fragments.push(fragment);
    if ((flags & FrameFlag.endHeaders) === 0) {
      this.block = block;
      return 'keep';
    }
    this.block = undefined;
    const decoder = new HpackDecoder({
      maxTableBytes: serverHeaderTableBytes,
      maxDecodedBytes: headerBlockBytesMax,
    });
    try {
      if (hasInvalidAuthority(decoder.decode(Buffer.concat(block.fragments)))) {
        return 'bad-authority';
      }
    } catch (err) {
      // The server's own decoder will refuse it too: a COMPRESSION_ERROR, as without us.
      if (err instanceof HpackError) return 'broken';
      throw err;
    }
    this.clean = true;
    return 'keep';
  }
}
