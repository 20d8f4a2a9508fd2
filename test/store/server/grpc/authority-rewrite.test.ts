// The rewriting half of authority-fix: what Node's HTTP/2 server reads
// from a client whose :authority it would refuse. Header blocks are
// decoded with the client's table and encoded again without one, the
// authority made host:port; every other frame passes byte for byte.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AuthorityRewriter,
  repairedAuthority,
} from '../../../../store/server/grpc/authority-rewrite.js';
import { FrameError, HpackError } from '../../../../store/server/grpc/h2-errors.js';
import {
  clientPreface,
  frame,
  FrameFlag,
  frameHeaderBytes,
  FrameType,
  readFrameHeader,
  type FrameHeader,
} from '../../../../store/server/grpc/h2-frames.js';
import { HpackDecoder } from '../../../../store/server/grpc/hpack.js';
import {
  clientStart,
  dataFrame,
  grpcRequest,
  headersFrame,
  indexed,
  literal,
  settingsAck,
} from './h2-bytes.js';

interface SeenFrame extends FrameHeader {
  readonly payload: Buffer;
}

/** The server's view: frames after the preface, and each header block decoded as nghttp2 would. */
function serverView(bytes: Buffer): {
  frames: SeenFrame[];
  blocks: string[][][];
  tableBytes: number;
} {
  assert.deepEqual(bytes.subarray(0, clientPreface.length), clientPreface);
  const frames: SeenFrame[] = [];
  const blocks: string[][][] = [];
  const decoder = new HpackDecoder({ maxTableBytes: 4096, maxDecodedBytes: 1 << 20 });
  let open: Buffer[] = [];
  let pos = clientPreface.length;
  while (pos < bytes.length) {
    const h = readFrameHeader(bytes, pos);
    const payload = bytes.subarray(pos + frameHeaderBytes, pos + frameHeaderBytes + h.length);
    assert.equal(payload.length, h.length, 'whole frames only');
    frames.push({ ...h, payload });
    if (h.type === FrameType.headers) {
      assert.equal(h.flags & FrameFlag.padded, 0, 'padding is dropped');
      open = [payload.subarray(h.flags & FrameFlag.priority ? 5 : 0)];
    } else if (h.type === FrameType.continuation) {
      open.push(payload);
    }
    if (
      (h.type === FrameType.headers || h.type === FrameType.continuation) &&
      h.flags & FrameFlag.endHeaders
    ) {
      blocks.push(decoder.decode(Buffer.concat(open)).map((f) => [f.name, f.value]));
    }
    pos += frameHeaderBytes + h.length;
  }
  return { frames, blocks, tableBytes: decoder.dynamicTableBytes };
}

function rewrite(bytes: Buffer, chunkBytes = bytes.length, dropFirstSettingsAck = false): Buffer {
  const r = new AuthorityRewriter({ dropFirstSettingsAck });
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkBytes) {
    out.push(...r.push(bytes.subarray(i, i + chunkBytes)));
  }
  return Buffer.concat(out);
}

const url = 'http://127.0.0.1:2379';
const authorityOf = (block: string[][]) => block.find(([n]) => n === ':authority')?.[1];

describe('repairedAuthority', () => {
  test('valid values stay; a URL becomes its host and port; anything else goes', () => {
    assert.equal(repairedAuthority('127.0.0.1:2379'), '127.0.0.1:2379');
    assert.equal(repairedAuthority('[::1]:2379'), '[::1]:2379');
    assert.equal(repairedAuthority('localhost'), 'localhost');
    assert.equal(repairedAuthority(url), '127.0.0.1:2379');
    assert.equal(repairedAuthority('https://user@etcd-0.example:2379/x?y'), 'etcd-0.example:2379');
    assert.equal(repairedAuthority('unix:///tmp/etcd.sock'), undefined);
    assert.equal(repairedAuthority('no spaces'), undefined);
  });
});

describe('AuthorityRewriter', () => {
  test("etcdctl's request: the URL becomes host:port, other frames pass byte for byte", () => {
    const data = dataFrame(1, Buffer.from('0000000000', 'hex'));
    const input = Buffer.concat([
      clientStart(),
      settingsAck,
      headersFrame(1, grpcRequest(url)),
      data,
    ]);
    const view = serverView(rewrite(input));
    assert.deepEqual(view.blocks, [
      [
        [':method', 'POST'],
        [':scheme', 'http'],
        [':path', '/etcdserverpb.Maintenance/Status'],
        [':authority', '127.0.0.1:2379'],
        ['content-type', 'application/grpc'],
        ['te', 'trailers'],
      ],
    ]);
    assert.equal(view.tableBytes, 0, "the server's table stays empty");
    const passed = view.frames.filter((f) => f.type !== FrameType.headers);
    assert.deepEqual(
      passed.map((f) => f.type),
      [FrameType.settings, FrameType.settings, FrameType.data],
    );
    assert.deepEqual(rewrite(input).subarray(-data.length), data);
  });

  test('a Huffman-coded authority', () => {
    const input = Buffer.concat([
      clientStart(),
      headersFrame(1, grpcRequest(url, { huffman: true })),
    ]);
    assert.equal(authorityOf(serverView(rewrite(input)).blocks[0]!), '127.0.0.1:2379');
  });

  test('dynamic table references across requests', () => {
    // Request 1 adds :authority (and the rest) to the client's table; request 3 only refers to them.
    const second = Buffer.concat([
      indexed(3),
      indexed(6),
      indexed(65),
      indexed(64),
      indexed(63),
      indexed(62),
    ]);
    const input = Buffer.concat([
      clientStart(),
      headersFrame(1, grpcRequest(url)),
      headersFrame(3, second),
      headersFrame(5, second),
    ]);
    const { blocks } = serverView(rewrite(input));
    assert.equal(blocks.length, 3);
    for (const b of blocks) assert.equal(authorityOf(b), '127.0.0.1:2379');
    assert.deepEqual(blocks[1], blocks[0]);
  });

  test('a header block in HEADERS and two CONTINUATIONs, and a host header', () => {
    const block = Buffer.concat([
      grpcRequest(url),
      literal('host', 'http://h:1', { indexing: 'none' }),
    ]);
    const input = Buffer.concat([
      clientStart(),
      frame(FrameType.headers, FrameFlag.endStream, 1, block.subarray(0, 5)),
      frame(FrameType.continuation, 0, 1, block.subarray(5, 20)),
      frame(FrameType.continuation, FrameFlag.endHeaders, 1, block.subarray(20)),
    ]);
    const view = serverView(rewrite(input));
    const [b] = view.blocks;
    assert.equal(authorityOf(b!), '127.0.0.1:2379');
    assert.deepEqual(b!.at(-1), ['host', 'h:1']);
    const headers = view.frames.find((f) => f.type === FrameType.headers)!;
    assert.equal(headers.flags, FrameFlag.endStream | FrameFlag.endHeaders);
  });

  test('HEADERS with padding and priority: padding dropped, priority and END_STREAM kept', () => {
    const block = grpcRequest(url);
    const priority = Buffer.from([0x80, 0, 0, 3, 15]); // exclusive on stream 3, weight 16
    const payload = Buffer.concat([Buffer.from([4]), priority, block, Buffer.alloc(4)]);
    const flags =
      FrameFlag.padded | FrameFlag.priority | FrameFlag.endHeaders | FrameFlag.endStream;
    const view = serverView(
      rewrite(Buffer.concat([clientStart(), frame(FrameType.headers, flags, 5, payload)])),
    );
    const headers = view.frames.find((f) => f.type === FrameType.headers)!;
    assert.equal(headers.flags, FrameFlag.priority | FrameFlag.endHeaders | FrameFlag.endStream);
    assert.equal(headers.streamId, 5);
    assert.deepEqual(headers.payload.subarray(0, 5), priority);
    assert.equal(authorityOf(view.blocks[0]!), '127.0.0.1:2379');
  });

  test('a block that grows past the frame limit goes out as HEADERS and CONTINUATIONs', () => {
    // A value the client had in its table costs one octet there, its length here.
    const big = 'v'.repeat(3000);
    const first = Buffer.concat([grpcRequest(url), literal('x-big', big)]);
    const again = Buffer.concat([
      indexed(3),
      indexed(6),
      ...Array.from({ length: 8 }, () => indexed(62)),
    ]);
    const input = Buffer.concat([clientStart(), headersFrame(1, first), headersFrame(3, again)]);
    const view = serverView(rewrite(input));
    assert.equal(view.blocks[1]!.filter(([n]) => n === 'x-big').length, 8);
    const cont = view.frames.filter((f) => f.type === FrameType.continuation);
    assert.ok(cont.length >= 1);
    for (const f of view.frames) assert.ok(f.length <= 16_384);
  });

  test('chunks of any size give the same bytes', () => {
    const input = Buffer.concat([
      clientStart(),
      settingsAck,
      headersFrame(1, grpcRequest(url, { huffman: true })),
      dataFrame(1, Buffer.alloc(100, 7)),
    ]);
    const whole = rewrite(input);
    for (const size of [1, 2, 9, 10, 33])
      assert.deepEqual(rewrite(input, size), whole, `chunks of ${size}`);
  });

  test('drops the first SETTINGS ACK when told to, and only that one', () => {
    const input = Buffer.concat([clientStart(), settingsAck, settingsAck]);
    const acks = (dropFirst: boolean) =>
      serverView(rewrite(input, input.length, dropFirst)).frames.filter(
        (f) => f.flags & FrameFlag.ack,
      ).length;
    assert.equal(acks(false), 2);
    assert.equal(acks(true), 1);
  });
});

describe('AuthorityRewriter refuses malformed input', () => {
  const cases: [string, Buffer, typeof FrameError | typeof HpackError][] = [
    ['not the preface', Buffer.from('GET / HTTP/1.1\r\n\r\n'), FrameError],
    [
      'CONTINUATION without HEADERS',
      frame(FrameType.continuation, FrameFlag.endHeaders, 1, indexed(2)),
      FrameError,
    ],
    [
      'another frame inside a header block',
      Buffer.concat([frame(FrameType.headers, 0, 1, indexed(2)), dataFrame(1, Buffer.alloc(1))]),
      FrameError,
    ],
    [
      'a CONTINUATION of another stream',
      Buffer.concat([
        frame(FrameType.headers, 0, 1, indexed(2)),
        frame(FrameType.continuation, FrameFlag.endHeaders, 3, indexed(2)),
      ]),
      FrameError,
    ],
    [
      'padding longer than the payload',
      frame(FrameType.headers, FrameFlag.padded | FrameFlag.endHeaders, 1, Buffer.from([9, 0x82])),
      FrameError,
    ],
    [
      'a frame above the size limit',
      Buffer.concat([Buffer.from([0x01, 0x00, 0x00, 0, 0, 0, 0, 0, 0])]),
      FrameError,
    ],
    ['an undecodable block', headersFrame(1, indexed(70)), HpackError],
  ];
  for (const [what, frames, error] of cases) {
    test(what, () => {
      const input = what === 'not the preface' ? frames : Buffer.concat([clientStart(), frames]);
      assert.throws(() => rewrite(input), error);
    });
  }
});
