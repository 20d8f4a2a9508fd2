// The client→server half of a connection whose client sends an :authority
// that Node's HTTP/2 refuses (etcd 3.4's client sends the endpoint URL,
// "http://127.0.0.1:2379"), rewritten so the server accepts it.
//
// Every header block is decoded with the client's dynamic table and
// encoded again with the static table and literals only (hpack.ts), its
// :authority and host made valid on the way; every other frame passes as
// it came. The server's decoder so never sees the client's table, and no
// frame but HEADERS and CONTINUATION changes. Pure: bytes in, bytes out,
// and a FrameError or HpackError when the client breaks the protocol —
// the caller then closes the connection.

import * as http2 from 'node:http2';
import { FrameError } from './h2-errors.js';
import {
  clientPreface,
  FrameFlag,
  frameHeaderBytes,
  FrameType,
  headerBlockFrames,
  headersFragment,
  readFrameHeader,
  type FrameHeader,
} from './h2-frames.js';
import { encodeWithoutIndexing, HpackDecoder, type HeaderField } from './hpack.js';

const serverSettings = http2.getDefaultSettings();

/**
 * What Node's HTTP/2 server announces (grpc-js leaves these at Node's
 * defaults): the client may not send larger frames, and may not let its
 * encoder's dynamic table grow beyond the header table size.
 */
export const serverMaxFrameBytes = serverSettings.maxFrameSize ?? 16_384;
export const serverHeaderTableBytes = serverSettings.headerTableSize ?? 4_096;

/**
 * A header block (compressed, HEADERS plus CONTINUATIONs) and its decoded
 * fields may each be this large. Above Node's own 64 KiB header list
 * limit, so the server, not this reader, refuses a large block — per
 * stream, as it would without us.
 */
export const headerBlockBytesMax = 256 * 1024;

/**
 * RFC 3986 authority characters (host, port, and userinfo's '@'): the
 * set nghttp2 accepts in :authority and host (nghttp2_check_authority).
 */
const authorityChars = /^[A-Za-z0-9\-._~!$&'()*+,;=:%@[\]]*$/;

export function isValidAuthority(value: string): boolean {
  return authorityChars.test(value);
}

/**
 * An :authority or host value the server accepts: the value itself when
 * valid; the host and port of a URL given in its place (what etcd's
 * client sends); otherwise nothing, and the field is left out (it is
 * optional, RFC 9113 §8.3.1).
 */
export function repairedAuthority(value: string): string | undefined {
  if (isValidAuthority(value)) return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  return url.host !== '' && isValidAuthority(url.host) ? url.host : undefined;
}

function isAuthorityField(name: string): boolean {
  return name === ':authority' || name === 'host';
}

/** True when the server would refuse these fields for their :authority or host. */
export function hasInvalidAuthority(fields: readonly HeaderField[]): boolean {
  return fields.some((f) => isAuthorityField(f.name) && !isValidAuthority(f.value));
}

export function repairFields(fields: readonly HeaderField[]): HeaderField[] {
  const out: HeaderField[] = [];
  for (const f of fields) {
    if (!isAuthorityField(f.name) || isValidAuthority(f.value)) {
      out.push(f);
      continue;
    }
    const value = repairedAuthority(f.value);
    if (value !== undefined) out.push({ ...f, value });
  }
  return out;
}

export interface AuthorityRewriterOptions {
  /**
   * Drop the client's first SETTINGS ACK: it answers the empty SETTINGS
   * authority-fix.ts sent before the server had the connection, and the
   * server would take an ACK it is not owed as a PROTOCOL_ERROR.
   */
  readonly dropFirstSettingsAck: boolean;
}

/** A header block being collected from HEADERS and CONTINUATION frames (RFC 9113 §4.3). */
interface OpenBlock {
  readonly streamId: number;
  readonly flags: number;
  readonly priority: Buffer | undefined;
  readonly fragments: Buffer[];
  bytes: number;
}

export class AuthorityRewriter {
  private readonly decoder = new HpackDecoder({
    maxTableBytes: serverHeaderTableBytes,
    maxDecodedBytes: headerBlockBytesMax,
  });
  /** Received bytes not yet consumed: less than one frame. */
  private rest: Buffer = Buffer.alloc(0);
  private prefaceSeen = false;
  private dropAck: boolean;
  private block: OpenBlock | undefined;

  constructor(opts: AuthorityRewriterOptions) {
    this.dropAck = opts.dropFirstSettingsAck;
  }

  /** The bytes for the server that the client's next bytes make. */
  push(chunk: Buffer): Buffer[] {
    const buf = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    const out: Buffer[] = [];
    let pos = 0;
    // Frames passed as they came, flushed as one slice.
    let runStart = 0;
    const flush = (end: number) => {
      if (end > runStart) out.push(buf.subarray(runStart, end));
    };
    if (!this.prefaceSeen) {
      const n = Math.min(buf.length, clientPreface.length);
      if (!buf.subarray(0, n).equals(clientPreface.subarray(0, n))) {
        throw new FrameError('not the HTTP/2 client preface');
      }
      if (n < clientPreface.length) {
        this.rest = buf;
        return out;
      }
      this.prefaceSeen = true;
      pos = clientPreface.length;
    }
    while (buf.length - pos >= frameHeaderBytes) {
      const header = readFrameHeader(buf, pos);
      if (header.length > serverMaxFrameBytes) throw new FrameError('frame larger than allowed');
      const end = pos + frameHeaderBytes + header.length;
      if (end > buf.length) break;
      if (this.passesAsIs(header)) {
        pos = end;
        continue;
      }
      flush(pos);
      out.push(...this.consume(header, buf.subarray(pos + frameHeaderBytes, end)));
      pos = end;
      runStart = pos;
    }
    flush(pos);
    // Copied: the slice must not pin the caller's chunk.
    this.rest = Buffer.from(buf.subarray(pos));
    return out;
  }

  private passesAsIs(h: FrameHeader): boolean {
    if (this.block !== undefined) return false;
    if (h.type === FrameType.headers || h.type === FrameType.continuation) return false;
    return !(this.dropAck && h.type === FrameType.settings && h.flags & FrameFlag.ack);
  }

  /** A frame that does not pass as is: the frames that replace it, maybe none. */
  private consume(h: FrameHeader, payload: Buffer): Buffer[] {
    if (this.block !== undefined) {
      // Only CONTINUATIONs of the same stream may follow an open block (§6.10).
      if (h.type !== FrameType.continuation || h.streamId !== this.block.streamId) {
        throw new FrameError('a header block interrupted');
      }
      return this.collect(this.block, payload, h.flags);
    }
    if (h.type === FrameType.settings) {
      this.dropAck = false;
      return [];
    }
    if (h.type === FrameType.continuation) throw new FrameError('CONTINUATION without HEADERS');
    const { fragment, priority } = headersFragment(h, payload);
    const block = { streamId: h.streamId, flags: h.flags, priority, fragments: [], bytes: 0 };
    return this.collect(block, fragment, h.flags);
  }

  private collect(block: OpenBlock, fragment: Buffer, flags: number): Buffer[] {
    block.bytes += fragment.length;
    if (block.bytes > headerBlockBytesMax) throw new FrameError('header block too large');
    block.fragments.push(fragment);
    if ((flags & FrameFlag.endHeaders) === 0) {
      this.block = block;
      return [];
    }
    this.block = undefined;
    const fields = repairFields(this.decoder.decode(Buffer.concat(block.fragments)));
    const encoded = encodeWithoutIndexing(fields);
    return headerBlockFrames(
      block.streamId,
      block.flags,
      block.priority,
      encoded,
      serverMaxFrameBytes,
    );
  }
}
