// HPACK's Huffman code (RFC 7541 §5.2, Appendix B): the canonical code
// built from code lengths must be the RFC's, and decoding must refuse what
// §5.2 calls a decoding error.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HpackError } from '../../../../store/server/grpc/h2-errors.js';
import {
  eosSymbol,
  huffmanCode,
  huffmanDecode,
} from '../../../../store/server/grpc/hpack-huffman.js';
import { hex, huffmanEncode } from './h2-bytes.js';

const decode = (b: Buffer) => huffmanDecode(b, 0, b.length);

describe('the code of Appendix B', () => {
  test('codes as printed in the RFC', () => {
    const printed: [number, number, number][] = [
      // symbol, code (right-aligned), bits
      [0, 0x1ff8, 13],
      [1, 0x7fffd8, 23],
      [10, 0x3ffffffc, 30],
      [' '.charCodeAt(0), 0x14, 6],
      ['0'.charCodeAt(0), 0x0, 5],
      [':'.charCodeAt(0), 0x5c, 7],
      ['\\'.charCodeAt(0), 0x7fff0, 19],
      ['a'.charCodeAt(0), 0x3, 5],
      ['~'.charCodeAt(0), 0x1ffd, 13],
      [127, 0xffffffc, 28],
      [128, 0xfffe6, 20],
      [203, 0x7ffffde, 27],
      [255, 0x3ffffee, 26],
      [eosSymbol, 0x3fffffff, 30],
    ];
    for (const [symbol, code, bits] of printed) {
      assert.deepEqual(huffmanCode(symbol), { code, bits }, `symbol ${symbol}`);
    }
  });

  test('a complete prefix code: the Kraft sum is exactly one', () => {
    let sum = 0;
    for (let s = 0; s <= eosSymbol; s++) sum += 2 ** -huffmanCode(s).bits;
    assert.equal(sum, 1);
  });

  test("the RFC's examples (C.4, C.6)", () => {
    const examples: [string, string][] = [
      ['www.example.com', 'f1e3 c2e5 f23a 6ba0 ab90 f4ff'],
      ['no-cache', 'a8eb 1064 9cbf'],
      ['custom-key', '25a8 49e9 5ba9 7d7f'],
      ['custom-value', '25a8 49e9 5bb8 e8b4 bf'],
      ['302', '6402'],
      ['private', 'aec3 771a 4b'],
      ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff'],
      ['https://www.example.com', '9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3'],
    ];
    for (const [text, coded] of examples) {
      assert.equal(decode(hex(coded)), text);
      assert.deepEqual(huffmanEncode(text), hex(coded), text);
    }
  });

  test('every octet round-trips', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
    assert.equal(decode(huffmanEncode(all)), all);
    assert.equal(decode(Buffer.alloc(0)), '');
  });
});

describe('decoding errors (§5.2)', () => {
  test('EOS inside the string', () => {
    assert.throws(() => decode(hex('ffff ffff')), HpackError);
  });

  test('padding longer than 7 bits', () => {
    // "a" (00011) then eleven ones.
    assert.throws(() => decode(hex('1fff')), HpackError);
  });

  test('padding that is not the prefix of EOS', () => {
    // "a" (00011) then 000.
    assert.throws(() => decode(hex('18')), HpackError);
  });
});
