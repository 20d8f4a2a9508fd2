// The first look at a client connection: which clients go to the server
// untouched (and with which bytes), which through the rewriter.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FirstRequestSniffer,
  sniffBytesMax,
  type SniffStep,
} from '../../../../store/server/grpc/authority-sniff.js';
import { frame, FrameFlag, FrameType } from '../../../../store/server/grpc/h2-frames.js';
import {
  clientStart,
  dataFrame,
  grpcRequest,
  headersFrame,
  indexed,
  settingsAck,
} from './h2-bytes.js';

const windowUpdate = frame(FrameType.windowUpdate, 0, 0, Buffer.from([0, 0x0e, 0xff, 0x01]));
const goodRequest = headersFrame(1, grpcRequest('127.0.0.1:2379', { huffman: true }));
const urlRequest = headersFrame(1, grpcRequest('http://127.0.0.1:2379', { huffman: true }));

function feed(...chunks: Buffer[]): SniffStep[] {
  const s = new FirstRequestSniffer();
  return chunks.map((c) => s.push(c));
}

describe('FirstRequestSniffer', () => {
  test('grpc-go with a URL authority (ACK, then the request): rewritten, no ACK left to drop', () => {
    const steps = feed(Buffer.concat([clientStart(), windowUpdate]), settingsAck, urlRequest);
    assert.deepEqual(
      steps.map((s) => s.verdict.kind),
      ['wait', 'wait', 'rewrite'],
    );
    const last = steps[2]!.verdict;
    assert.ok(last.kind === 'rewrite');
    assert.equal(last.ackPending, false);
    assert.deepEqual(last.bytes, Buffer.concat([clientStart(), windowUpdate, urlRequest]));
  });

  test('a request before the ACK (grpc-js): waits for the ACK, then direct without it', () => {
    const data = dataFrame(1, Buffer.alloc(20));
    const steps = feed(
      Buffer.concat([clientStart(), goodRequest, data]),
      Buffer.concat([settingsAck, windowUpdate]),
    );
    assert.deepEqual(steps[0]!.verdict, { kind: 'wait', waitingForAck: true });
    assert.deepEqual(steps[1]!.verdict, {
      kind: 'direct',
      bytes: Buffer.concat([clientStart(), goodRequest, data, windowUpdate]),
    });
  });

  test('a URL authority before the ACK: rewritten, the rewriter drops the ACK', () => {
    const [step] = feed(Buffer.concat([clientStart(), urlRequest]));
    assert.ok(step!.verdict.kind === 'rewrite');
    assert.equal(step!.verdict.ackPending, true);
  });

  test('byte by byte, the same verdict and bytes', () => {
    const input = Buffer.concat([clientStart(), settingsAck, goodRequest]);
    const s = new FirstRequestSniffer();
    let last: SniffStep | undefined;
    for (let i = 0; i < input.length; i++) last = s.push(input.subarray(i, i + 1));
    assert.deepEqual(last!.verdict, {
      kind: 'direct',
      bytes: Buffer.concat([clientStart(), goodRequest]),
    });
  });

  test('a request split over HEADERS and CONTINUATION', () => {
    const block = grpcRequest('http://127.0.0.1:2379');
    const [step] = feed(
      Buffer.concat([
        clientStart(),
        settingsAck,
        frame(FrameType.headers, 0, 1, block.subarray(0, 7)),
        frame(FrameType.continuation, FrameFlag.endHeaders, 1, block.subarray(7)),
      ]),
    );
    assert.equal(step!.verdict.kind, 'rewrite');
  });

  test('PINGs while looking are answered here and not passed on', () => {
    const ping = frame(FrameType.ping, 0, 0, Buffer.from('12345678'));
    const [step] = feed(Buffer.concat([clientStart(), ping]));
    assert.deepEqual(step!.replies, [
      frame(FrameType.ping, FrameFlag.ack, 0, Buffer.from('12345678')),
    ]);
    const s = new FirstRequestSniffer();
    s.push(Buffer.concat([clientStart(), ping, settingsAck]));
    assert.deepEqual(s.push(goodRequest).verdict, {
      kind: 'direct',
      bytes: Buffer.concat([clientStart(), goodRequest]),
    });
  });

  test('not HTTP/2: direct at once, so the server answers as it always did', () => {
    const http1 = Buffer.from('GET / HTTP/1.1\r\n\r\n');
    assert.deepEqual(feed(http1)[0]!.verdict, { kind: 'direct', bytes: http1 });
  });

  test('a broken first block: direct, the server refuses it as it always did', () => {
    const broken = headersFrame(1, indexed(99));
    const [step] = feed(Buffer.concat([clientStart(), settingsAck, broken]));
    assert.deepEqual(step!.verdict, {
      kind: 'direct',
      bytes: Buffer.concat([clientStart(), broken]),
    });
    const stray = frame(FrameType.continuation, FrameFlag.endHeaders, 1, indexed(2));
    assert.equal(feed(Buffer.concat([clientStart(), stray]))[0]!.verdict.kind, 'direct');
  });

  test(`past ${sniffBytesMax} bytes without a verdict: rewritten`, () => {
    const s = new FirstRequestSniffer();
    s.push(clientStart());
    let step: SniffStep | undefined;
    const filler = frame(FrameType.windowUpdate, 0, 0, Buffer.from([0, 0, 0, 1]));
    for (let sent = 0; sent <= sniffBytesMax; sent += filler.length * 100) {
      step = s.push(Buffer.concat(Array.from({ length: 100 }, () => filler)));
      if (step.verdict.kind !== 'wait') break;
    }
    assert.equal(step!.verdict.kind, 'rewrite');
  });

  test('giveUp: rewritten with everything held', () => {
    const s = new FirstRequestSniffer();
    s.push(Buffer.concat([clientStart(), goodRequest]));
    const v = s.giveUp();
    assert.deepEqual(v, {
      kind: 'rewrite',
      bytes: Buffer.concat([clientStart(), goodRequest]),
      ackPending: true,
    });
  });
});
