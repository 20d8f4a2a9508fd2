// HPACK decoding with a dynamic table, and the encoder that uses none
// (RFC 7541; the examples are Appendix C's).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HpackError } from '../../../../store/server/grpc/h2-errors.js';
import {
  encodeWithoutIndexing,
  HpackDecoder,
  type HeaderField,
} from '../../../../store/server/grpc/hpack.js';
import { hex, indexed, integer, literal, string, tableSizeUpdate } from './h2-bytes.js';

const opts = { maxTableBytes: 4096, maxDecodedBytes: 64 * 1024 };
const pairs = (fields: HeaderField[]) => fields.map((f) => [f.name, f.value]);

describe('Appendix C: a connection of requests, one decoder', () => {
  const requests = [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
  ];
  const expected = [
    [...requests, [':authority', 'www.example.com']],
    [...requests, [':authority', 'www.example.com'], ['cache-control', 'no-cache']],
    [
      [':method', 'GET'],
      [':scheme', 'https'],
      [':path', '/index.html'],
      [':authority', 'www.example.com'],
      ['custom-key', 'custom-value'],
    ],
  ];
  const tableBytes = [57, 110, 164];

  test('C.3: without Huffman coding', () => {
    const d = new HpackDecoder(opts);
    const blocks = [
      '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '8286 84be 5808 6e6f 2d63 6163 6865',
      '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
    ];
    blocks.forEach((b, i) => {
      assert.deepEqual(pairs(d.decode(hex(b))), expected[i]);
      assert.equal(d.dynamicTableBytes, tableBytes[i]);
    });
  });

  test('C.4: with Huffman coding', () => {
    const d = new HpackDecoder(opts);
    const blocks = [
      '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
      '8286 84be 5886 a8eb 1064 9cbf',
      '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
    ];
    blocks.forEach((b, i) => {
      assert.deepEqual(pairs(d.decode(hex(b))), expected[i]);
      assert.equal(d.dynamicTableBytes, tableBytes[i]);
    });
  });
});

describe('the dynamic table', () => {
  test('entries are evicted oldest first when the table is full (§4.4)', () => {
    const d = new HpackDecoder({ ...opts, maxTableBytes: 100 });
    // Each entry: 1 + 30 + 32 = 63 octets; two do not fit in 100.
    d.decode(literal('a', 'x'.repeat(30)));
    d.decode(literal('b', 'y'.repeat(30)));
    assert.equal(d.dynamicTableBytes, 63);
    assert.deepEqual(pairs(d.decode(indexed(62))), [['b', 'y'.repeat(30)]]);
    assert.throws(() => d.decode(indexed(63)), HpackError);
  });

  test('an entry larger than the table empties it (§4.4)', () => {
    const d = new HpackDecoder({ ...opts, maxTableBytes: 100 });
    d.decode(literal('a', 'x'));
    assert.deepEqual(pairs(d.decode(literal('big', 'z'.repeat(100)))), [['big', 'z'.repeat(100)]]);
    assert.equal(d.dynamicTableBytes, 0);
  });

  test('a size update shrinks the table, at the start of a block only (§4.2, §6.3)', () => {
    const d = new HpackDecoder(opts);
    d.decode(literal('a', 'x'));
    assert.equal(d.dynamicTableBytes, 34);
    d.decode(Buffer.concat([tableSizeUpdate(0), tableSizeUpdate(4096), indexed(2)]));
    assert.equal(d.dynamicTableBytes, 0);
    assert.throws(() => d.decode(Buffer.concat([indexed(2), tableSizeUpdate(0)])), HpackError);
  });

  test('a size update above SETTINGS_HEADER_TABLE_SIZE is an error', () => {
    assert.throws(() => new HpackDecoder(opts).decode(tableSizeUpdate(4097)), HpackError);
  });

  test('literals without indexing and never indexed leave the table alone', () => {
    const d = new HpackDecoder(opts);
    const fields = d.decode(
      Buffer.concat([
        literal('a', 'x', { indexing: 'none' }),
        literal(23, 'secret', { indexing: 'never' }),
      ]),
    );
    assert.deepEqual(fields, [
      { name: 'a', value: 'x', neverIndexed: false },
      { name: 'authorization', value: 'secret', neverIndexed: true },
    ]);
    assert.equal(d.dynamicTableBytes, 0);
  });
});

describe('malformed blocks', () => {
  const cases: [string, Buffer][] = [
    ['index 0', indexed(0)],
    ['an index beyond both tables', indexed(62)],
    ['a truncated integer', Buffer.from([0xff])],
    ['an integer too large', Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])],
    ['endless zero continuation octets', Buffer.from([0xff, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00])],
    [
      'a string beyond the block',
      Buffer.concat([integer(0, 4), integer(10, 7), Buffer.from('abc')]),
    ],
    ['a missing value', Buffer.concat([integer(0, 4), string('name')])],
    ['bad Huffman padding', Buffer.concat([integer(1, 4), Buffer.from([0x81, 0x18])])],
  ];
  for (const [what, block] of cases) {
    test(what, () => assert.throws(() => new HpackDecoder(opts).decode(block), HpackError));
  }

  test('a header list above the limit', () => {
    const d = new HpackDecoder({ ...opts, maxDecodedBytes: 10 });
    assert.throws(
      () => d.decode(literal('name', 'value-too-long', { indexing: 'none' })),
      HpackError,
    );
  });
});

describe('encodeWithoutIndexing', () => {
  const fields: HeaderField[] = [
    { name: ':method', value: 'POST', neverIndexed: false },
    { name: ':path', value: '/etcdserverpb.KV/Range', neverIndexed: false },
    { name: ':authority', value: '127.0.0.1:2379', neverIndexed: false },
    { name: 'te', value: 'trailers', neverIndexed: false },
    { name: 'authorization', value: 'token', neverIndexed: true },
    { name: 'x-long', value: 'v'.repeat(300), neverIndexed: false },
  ];

  test('decodes back to the same fields and leaves the decoder table empty', () => {
    const d = new HpackDecoder(opts);
    const block = encodeWithoutIndexing(fields);
    assert.deepEqual(d.decode(block), fields);
    assert.equal(d.dynamicTableBytes, 0);
  });

  test('static fields are indexed, static names referenced, never-indexed kept', () => {
    const block = encodeWithoutIndexing(fields.slice(0, 1));
    assert.deepEqual(block, Buffer.from([0x83]));
    assert.deepEqual(
      encodeWithoutIndexing([fields[2]!]),
      Buffer.concat([integer(1, 4), string('127.0.0.1:2379')]),
    );
    assert.deepEqual(
      encodeWithoutIndexing([fields[4]!]),
      Buffer.concat([integer(23, 4, 0x10), string('token')]),
    );
  });
});
