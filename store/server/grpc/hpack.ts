// HPACK (RFC 7541): a decoder that keeps a peer's dynamic table, and an
// encoder that never uses one.
//
// authority-rewrite.ts sits between a client and Node's HTTP/2 server: it
// decodes each header block the client sends, with the client's dynamic
// table, and encodes it again for the server using only the static table
// and literals "without indexing". The server's decoder table so stays
// empty, whatever the client's encoder did, and nothing has to be kept in
// step between the two sides.
//
// Written here rather than taken from npm: the one HPACK package in wide
// use (hpack.js) is a stream API from 2016 that pulls in readable-stream 2;
// the part needed is a decoder and a literal encoder, about 250 lines.
//
// Names and values are latin1 strings: one char per octet, so lengths are
// octet counts (table sizes, §4.1) and nothing is lost either way.

import { HpackError } from './h2-errors.js';
import { huffmanDecode } from './hpack-huffman.js';

export interface HeaderField {
  readonly name: string;
  readonly value: string;
  /** Sent as "never indexed" (§6.2.3): an intermediary must keep it so (§7.1.3). */
  readonly neverIndexed: boolean;
}

/** RFC 7541 Appendix A; index 1 is the first entry. */
const staticTable: readonly (readonly [string, string])[] = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

/** Each dynamic table entry costs its octets plus this (§4.1). */
const entryOverheadBytes = 32;
/** Integers beyond this are refused: no length or index of ours comes close. */
const integerMax = 2 ** 30;

/** Static index of a name (its first entry), and of a whole field. */
const staticNameIndex = new Map<string, number>();
const staticFieldIndex = new Map<string, number>();
staticTable.forEach(([name, value], i) => {
  if (!staticNameIndex.has(name)) staticNameIndex.set(name, i + 1);
  if (value !== '') staticFieldIndex.set(`${name}\0${value}`, i + 1);
});

export interface HpackDecoderOptions {
  /**
   * SETTINGS_HEADER_TABLE_SIZE the server announced (§4.2): the most the
   * client's encoder may use, and so the largest table size update allowed.
   */
  readonly maxTableBytes: number;
  /** Decoded octets (names plus values) one block may hold. */
  readonly maxDecodedBytes: number;
}

/**
 * One peer's header blocks, in the order sent; keeps that peer's dynamic
 * table (§2.3.2). After a HpackError the table is undefined: the
 * connection must be given up (a COMPRESSION_ERROR, RFC 9113 §4.3).
 */
export class HpackDecoder {
  /** Newest first, as indexed (§2.3.3). */
  private readonly entries: [string, string][] = [];
  private tableBytes = 0;
  private tableBytesMax: number;

  constructor(private readonly opts: HpackDecoderOptions) {
    this.tableBytesMax = opts.maxTableBytes;
  }

  /** Octets the dynamic table holds now (§4.1). */
  get dynamicTableBytes(): number {
    return this.tableBytes;
  }

  decode(block: Uint8Array): HeaderField[] {
    const r = { pos: 0 };
    const fields: HeaderField[] = [];
    let decodedBytes = 0;
    let sizeUpdateAllowed = true;
    while (r.pos < block.length) {
      const first = block[r.pos]!;
      if ((first & 0xe0) === 0x20) {
        // Dynamic table size update (§6.3): only before the first field (§4.2).
        if (!sizeUpdateAllowed) throw new HpackError('table size update after a field');
        const size = readInteger(block, r, 5);
        if (size > this.opts.maxTableBytes) throw new HpackError('table size update too large');
        this.tableBytesMax = size;
        this.evict(0);
        continue;
      }
      sizeUpdateAllowed = false;
      let field: HeaderField;
      if (first & 0x80) {
        // Indexed field (§6.1).
        const [name, value] = this.lookup(readInteger(block, r, 7));
        field = { name, value, neverIndexed: false };
      } else if (first & 0x40) {
        // Literal with incremental indexing (§6.2.1).
        field = this.readLiteral(block, r, 6, false);
        this.insert(field.name, field.value);
      } else {
        // Literal without indexing (§6.2.2) or never indexed (§6.2.3).
        field = this.readLiteral(block, r, 4, (first & 0x10) !== 0);
      }
      decodedBytes += field.name.length + field.value.length;
      if (decodedBytes > this.opts.maxDecodedBytes) throw new HpackError('header list too large');
      fields.push(field);
    }
    return fields;
  }

  private readLiteral(
    block: Uint8Array,
    r: { pos: number },
    prefixBits: number,
    neverIndexed: boolean,
  ): HeaderField {
    const index = readInteger(block, r, prefixBits);
    const name = index === 0 ? readString(block, r) : this.lookup(index)[0];
    const value = readString(block, r);
    return { name, value, neverIndexed };
  }

  private lookup(index: number): readonly [string, string] {
    if (index === 0) throw new HpackError('index 0');
    if (index <= staticTable.length) return staticTable[index - 1]!;
    const entry = this.entries[index - staticTable.length - 1];
    if (entry === undefined) throw new HpackError(`index ${index} beyond the tables`);
    return entry;
  }

  /** §4.4: evict until the new entry fits; one larger than the table empties it. */
  private insert(name: string, value: string): void {
    const size = name.length + value.length + entryOverheadBytes;
    this.evict(size);
    if (size > this.tableBytesMax) return;
    this.entries.unshift([name, value]);
    this.tableBytes += size;
  }

  /** Evicts the oldest entries until `room` more octets fit (§4.3, §4.4). */
  private evict(room: number): void {
    while (this.entries.length > 0 && this.tableBytes + room > this.tableBytesMax) {
      const [name, value] = this.entries.pop()!;
      this.tableBytes -= name.length + value.length + entryOverheadBytes;
    }
  }
}

/** §5.1: an integer with an N-bit prefix. */
function readInteger(block: Uint8Array, r: { pos: number }, prefixBits: number): number {
  if (r.pos >= block.length) throw new HpackError('truncated integer');
  const mask = (1 << prefixBits) - 1;
  let value = block[r.pos++]! & mask;
  if (value < mask) return value;
  let shift = 0;
  for (;;) {
    if (r.pos >= block.length) throw new HpackError('truncated integer');
    const octet = block[r.pos++]!;
    value += (octet & 0x7f) * 2 ** shift;
    if (value > integerMax) throw new HpackError('integer too large');
    if ((octet & 0x80) === 0) return value;
    shift += 7;
    // Zero continuation octets would not raise `value`: bound their number too.
    if (shift > 28) throw new HpackError('integer too long');
  }
}

/** §5.2: a string literal, Huffman-coded or raw. */
function readString(block: Uint8Array, r: { pos: number }): string {
  if (r.pos >= block.length) throw new HpackError('truncated string');
  const huffman = (block[r.pos]! & 0x80) !== 0;
  const length = readInteger(block, r, 7);
  const end = r.pos + length;
  if (end > block.length) throw new HpackError('string beyond the block');
  const s = huffman
    ? huffmanDecode(block, r.pos, end)
    : Buffer.from(block.buffer, block.byteOffset + r.pos, length).toString('latin1');
  r.pos = end;
  return s;
}

/**
 * Encodes fields for a decoder whose dynamic table must stay empty: a
 * field of the static table is indexed, every other one is a literal
 * without indexing (or never indexed, as it came), with its name indexed
 * when the static table has it. Strings go raw, not Huffman-coded.
 */
export function encodeWithoutIndexing(fields: readonly HeaderField[]): Buffer {
  const parts: number[] = [];
  for (const f of fields) {
    const full = f.neverIndexed ? undefined : staticFieldIndex.get(`${f.name}\0${f.value}`);
    if (full !== undefined) {
      writeInteger(parts, full, 7, 0x80);
      continue;
    }
    const nameIndex = staticNameIndex.get(f.name) ?? 0;
    writeInteger(parts, nameIndex, 4, f.neverIndexed ? 0x10 : 0x00);
    if (nameIndex === 0) writeString(parts, f.name);
    writeString(parts, f.value);
  }
  return Buffer.from(parts);
}

function writeInteger(out: number[], value: number, prefixBits: number, flags: number): void {
  const mask = (1 << prefixBits) - 1;
  if (value < mask) {
    out.push(flags | value);
    return;
  }
  out.push(flags | mask);
  let rest = value - mask;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

function writeString(out: number[], s: string): void {
  writeInteger(out, s.length, 7, 0x00);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
}
