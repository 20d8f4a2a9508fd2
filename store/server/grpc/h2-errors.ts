// Errors for HTTP/2 input that a peer got wrong: a header block that does
// not decode (RFC 7541: COMPRESSION_ERROR) or frames that break RFC 9113's
// framing rules. They are the world's fault, never a bug here; whoever
// reads the connection closes it and goes on.

/** A header block that cannot be decoded (RFC 7541 §3, a COMPRESSION_ERROR). */
export class HpackError extends Error {
  readonly code = 'HPACK_DECODE';
  constructor(message: string) {
    super(`hpack: ${message}`);
    this.name = 'HpackError';
  }
}

/** Frames that break HTTP/2 framing (RFC 9113 §4, §6), seen from the server side. */
export class FrameError extends Error {
  readonly code = 'H2_FRAMING';
  constructor(message: string) {
    super(`http2: ${message}`);
    this.name = 'FrameError';
  }
}
