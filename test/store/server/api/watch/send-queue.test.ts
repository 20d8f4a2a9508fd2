// The stream's send queue on a fake call that stops accepting writes: while
// the client lags, a watcher's new events merge into its response waiting
// in the queue — whole revisions, never past a response about the same
// watcher or a stream-wide progress response, never beyond the size limit
// — and fragments are cut as etcd cuts them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KeyValue, MvccEvent } from '../../../../../store/mvcc/index.js';
import {
  SendQueue,
  type QueueWatcher,
  type WritableCall,
} from '../../../../../store/server/api/watch/send-queue.js';
import { encodeHeader } from '../../../../../store/server/api/watch/wire-encode.js';
import { clientProtos } from '../../../../../store/server/grpc/protos.js';
import type * as w from '../../../../../store/server/grpc/wire-types.js';

const decode = (b: Buffer) =>
  clientProtos().WatchService['Watch']!.responseDeserialize(b) as w.WatchResponse<'in'>;

class FakeCall implements WritableCall {
  readonly written: w.WatchResponse<'in'>[] = [];
  open = true;
  private drain: (() => void) | undefined;

  write(chunk: Buffer): boolean {
    this.written.push(decode(chunk));
    return this.open;
  }

  once(_event: 'drain', fn: () => void): void {
    this.drain = fn;
  }

  release(): void {
    this.open = true;
    const fn = this.drain;
    this.drain = undefined;
    fn?.();
  }
}

function put(key: string, rev: number, value = 'v'): MvccEvent {
  const kv: KeyValue = {
    key: Buffer.from(key),
    createRevision: rev,
    modRevision: rev,
    version: 1,
    value: Buffer.from(value),
    lease: 0n,
  };
  return { type: 'put', kv, prevKv: undefined };
}

function setup(responseBytesMax = 1 << 20) {
  const call = new FakeCall();
  const soon: (() => void)[] = [];
  let rooms = 0;
  const queue = new SendQueue(call, {
    responseBytesMax,
    queueBytesMax: 1 << 20,
    header: (revision) => encodeHeader({ clusterId: 1n, memberId: 2n, revision, raftTerm: 3 }),
    onRoom: () => rooms++,
    soon: (fn) => soon.push(fn),
  });
  const run = () => {
    while (soon.length > 0) soon.shift()!();
  };
  const watcher = (id: bigint, fragment = false): QueueWatcher => ({
    id,
    prevKv: false,
    fragment,
    open: undefined,
  });
  return { call, queue, run, watcher, rooms: () => rooms };
}

const summary = (r: w.WatchResponse<'in'>) =>
  `#${r.watch_id}@${r.header?.revision}${r.fragment ? ' frag' : ''} [${r.events
    .map((e) => `${e.kv?.key.toString()}@${e.kv?.mod_revision}`)
    .join(' ')}]`;

test('while the call is blocked, a watcher’s events merge into its queued response', () => {
  const { call, queue, run, watcher } = setup();
  const a = watcher(1n);
  const b = watcher(2n);
  queue.events(a, 2, [put('x', 2)]);
  run();
  call.open = false;
  queue.events(a, 3, [put('x', 3)]); // written, then the call says "full"
  run();
  queue.events(a, 4, [put('x', 4), put('y', 4)]);
  queue.events(b, 4, [put('y', 4)]);
  queue.events(a, 5, [put('x', 5)]);
  queue.events(b, 5, [put('y', 5)]);
  call.release();
  assert.deepEqual(call.written.map(summary), [
    '#1@2 [x@2]',
    '#1@3 [x@3]',
    '#1@5 [x@4 y@4 x@5]',
    '#2@5 [y@4 y@5]',
  ]);
});

test('nothing merges past a response about the same watcher, nor past a stream-wide progress response', () => {
  const { call, queue, run, watcher } = setup();
  const a = watcher(1n);
  call.open = false;
  queue.control({
    header: encodeHeader({ clusterId: 1n, memberId: 2n, revision: 1, raftTerm: 3 }),
    watchId: 9n,
  });
  run(); // the call is now blocked
  queue.events(a, 2, [put('x', 2)]);
  a.open = undefined; // the session does this when it queues a response about `a`
  queue.control({
    header: encodeHeader({ clusterId: 1n, memberId: 2n, revision: 2, raftTerm: 3 }),
    watchId: 1n,
  });
  queue.events(a, 3, [put('x', 3)]);
  queue.barrier();
  queue.control({
    header: encodeHeader({ clusterId: 1n, memberId: 2n, revision: 3, raftTerm: 3 }),
    watchId: -1n,
  });
  queue.events(a, 4, [put('x', 4)]);
  call.release();
  assert.deepEqual(call.written.map(summary), [
    '#9@1 []',
    '#1@2 [x@2]',
    '#1@2 []',
    '#1@3 [x@3]',
    '#-1@3 []',
    '#1@4 [x@4]',
  ]);
});

test('merging stops at the size limit, between revisions; a watcher that asked gets fragments as etcd cuts them', () => {
  const { call, queue, run, watcher } = setup(400);
  const whole = watcher(1n);
  const frag = watcher(2n, true);
  call.open = false;
  queue.control({
    header: encodeHeader({ clusterId: 1n, memberId: 2n, revision: 1, raftTerm: 3 }),
    watchId: 9n,
  });
  run();
  const big = 'v'.repeat(150);
  queue.events(whole, 2, [put('a', 2, big)]);
  queue.events(whole, 3, [put('b', 3, big), put('c', 3, big)]); // would pass 400: a new response
  queue.events(frag, 3, [put('b', 3, big), put('c', 3, big), put('d', 3, big)]);
  call.release();
  const out = call.written.slice(1).map(summary);
  assert.deepEqual(out, ['#1@2 [a@2]', '#1@3 [b@3 c@3]', '#2@3 frag [b@3 c@3]', '#2@3 [d@3]']);
});

test('the queue reports room again once it drains to half of its limit after being full', () => {
  const { call, queue, run, watcher, rooms } = setup();
  const a = watcher(1n);
  call.open = false;
  queue.events(a, 2, [put('x', 2)]);
  run();
  for (let r = 3; queue.hasRoom(); r++) queue.events(a, r, [put('x', r, 'v'.repeat(60_000))]);
  assert.equal(rooms(), 0);
  call.release();
  assert.equal(rooms(), 1);
  assert.equal(queue.hasRoom(), true);
});
