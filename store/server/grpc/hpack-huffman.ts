// HPACK's static Huffman code (RFC 7541 §5.2, Appendix B), decode side.
//
// The code of Appendix B is canonical: codes are handed out in order of
// length, and within one length in order of symbol. So the table below
// only lists which symbols have which length, and the codes follow from
// it (`huffmanCode`); test/store/server/grpc/hpack-huffman.test.ts checks
// the result against the RFC's examples and a few codes printed in it.
//
// Decoding walks the bits one at a time against the first code and the
// number of codes of each length — slow next to nghttp2's state tables,
// but it only ever runs on the handful of header blocks that
// authority-fix.ts looks at.

import { HpackError } from './h2-errors.js';

/** Symbols (octets, and 256 for EOS) by the length of their code in bits. */
const symbolsByCodeBits: Readonly<Record<number, readonly number[]>> = {
  5: [...'012aceiost'].map(ord),
  6: [...' %-./3456789=A_bdfghlmnpru'].map(ord),
  7: [...':BCDEFGHIJKLMNOPQRSTUVWYjkqvwxyz'].map(ord),
  8: [...'&*,;XZ'].map(ord),
  10: [...'!"()?'].map(ord),
  11: [..."'+|"].map(ord),
  12: [...'#>'].map(ord),
  13: [0, ...'$@[]~'.split('').map(ord)],
  14: [...'^}'].map(ord),
  15: [...'<`{'].map(ord),
  19: [ord('\\'), 195, 208],
  20: [128, 130, 131, 162, 184, 194, 224, 226],
  21: [153, 161, 167, 172, 176, 177, 179, 209, 216, 217, 227, 229, 230],
  22: [
    129, 132, 133, 134, 136, 146, 154, 156, 160, 163, 164, 169, 170, 173, 178, 181, 185, 186, 187,
    189, 190, 196, 198, 228, 232, 233,
  ],
  23: [
    1, 135, 137, 138, 139, 140, 141, 143, 147, 149, 150, 151, 152, 155, 157, 158, 165, 166, 168,
    174, 175, 180, 182, 183, 188, 191, 197, 231, 239,
  ],
  24: [9, 142, 144, 145, 148, 159, 171, 206, 215, 225, 236, 237],
  25: [199, 207, 234, 235],
  26: [192, 193, 200, 201, 202, 205, 210, 213, 218, 219, 238, 240, 242, 243, 255],
  27: [
    203, 204, 211, 212, 214, 221, 222, 223, 241, 244, 245, 246, 247, 248, 250, 251, 252, 253, 254,
  ],
  28: [
    2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31,
    127, 220, 249,
  ],
  30: [10, 13, 22, 256],
};

function ord(c: string): number {
  return c.charCodeAt(0);
}

/** The end-of-string symbol: never valid inside a string (RFC 7541 §5.2). */
export const eosSymbol = 256;
/** The longest code, EOS's. */
export const huffmanCodeBitsMax = 30;

interface CanonicalCode {
  /** Per length: the first code of that length, and how many there are. */
  readonly firstCode: Int32Array;
  readonly count: Int32Array;
  /** Per length: where its symbols start in `symbols`. */
  readonly firstIndex: Int32Array;
  /** Symbols in code order. */
  readonly symbols: Uint16Array;
  /** Per symbol: its code and its length. */
  readonly codeOf: Uint32Array;
  readonly bitsOf: Uint8Array;
}

function buildCanonicalCode(): CanonicalCode {
  const n = huffmanCodeBitsMax + 1;
  const firstCode = new Int32Array(n);
  const count = new Int32Array(n);
  const firstIndex = new Int32Array(n);
  const symbols = new Uint16Array(eosSymbol + 1);
  const codeOf = new Uint32Array(eosSymbol + 1);
  const bitsOf = new Uint8Array(eosSymbol + 1);
  let code = 0;
  let index = 0;
  for (let bits = 1; bits <= huffmanCodeBitsMax; bits++) {
    code <<= 1;
    const syms = [...(symbolsByCodeBits[bits] ?? [])].sort((a, b) => a - b);
    firstCode[bits] = code;
    count[bits] = syms.length;
    firstIndex[bits] = index;
    for (const s of syms) {
      if (bitsOf[s] !== 0) throw new Error(`hpack-huffman: symbol ${s} listed twice`);
      symbols[index++] = s;
      codeOf[s] = code++;
      bitsOf[s] = bits;
    }
  }
  // A complete prefix code: every symbol has a code and the last code is all ones.
  if (index !== eosSymbol + 1 || code !== 2 ** huffmanCodeBitsMax) {
    throw new Error('hpack-huffman: the code table is not a complete code');
  }
  return { firstCode, count, firstIndex, symbols, codeOf, bitsOf };
}

const table = buildCanonicalCode();

/** A symbol's code (right-aligned) and its length in bits. */
export function huffmanCode(symbol: number): { code: number; bits: number } {
  if (!Number.isInteger(symbol) || symbol < 0 || symbol > eosSymbol) {
    throw new RangeError(`hpack-huffman: no symbol ${symbol}`);
  }
  return { code: table.codeOf[symbol]!, bits: table.bitsOf[symbol]! };
}

/**
 * Decodes `src[start, end)` to its octets, as a latin1 string (one char per
 * octet). Throws HpackError for EOS inside the string, or padding that is
 * longer than 7 bits or not the most significant bits of EOS (all ones).
 */
export function huffmanDecode(src: Uint8Array, start: number, end: number): string {
  // The shortest code is 5 bits: at most 8/5 symbols per octet.
  const out = Buffer.allocUnsafe(Math.ceil(((end - start) * 8) / 5));
  let n = 0;
  let code = 0;
  let bits = 0;
  for (let i = start; i < end; i++) {
    const octet = src[i]!;
    for (let shift = 7; shift >= 0; shift--) {
      code = (code << 1) | ((octet >> shift) & 1);
      bits++;
      // Canonical: a prefix of a longer code is never below the first code of its length.
      const offset = code - table.firstCode[bits]!;
      if (offset < table.count[bits]!) {
        const symbol = table.symbols[table.firstIndex[bits]! + offset]!;
        if (symbol === eosSymbol) throw new HpackError('huffman: EOS inside a string');
        out[n++] = symbol;
        code = 0;
        bits = 0;
      }
    }
  }
  if (bits > 7) throw new HpackError('huffman: padding longer than 7 bits');
  if (code !== 2 ** bits - 1) throw new HpackError('huffman: padding is not the prefix of EOS');
  return out.toString('latin1', 0, n);
}
