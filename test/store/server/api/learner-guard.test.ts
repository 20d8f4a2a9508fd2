// While a member is a learner it serves Status and serializable Ranges only;
// every other call, unary or stream, gets etcd's "rpc not supported for
// learner" (UNAVAILABLE). A voter serves everything.
import assert from 'node:assert/strict';
import test from 'node:test';
import { status } from '@grpc/grpc-js';
import type { ApiContext } from '../../../../store/server/api/context.js';
import { learnerGuarded } from '../../../../store/server/api/learner-guard.js';

type Answer = { err: { code?: number; details?: string } | null; value?: unknown };

function fixture(isLearner: boolean) {
  const ctx = { node: { raft: { isLearner } } } as unknown as ApiContext;
  const reply = (name: string) => (_call: unknown, cb: (e: null, v: string) => void) =>
    cb(null, name);
  const handlers = learnerGuarded(ctx, {
    Status: reply('status'),
    Range: reply('range'),
    Put: reply('put'),
    MemberList: reply('members'),
    Snapshot: (call: { write(v: string): void }) => call.write('chunk'),
  }) as unknown as Record<
    string,
    (call: unknown, cb?: (e: Answer['err'], v?: unknown) => void) => void
  >;
  const unaryCall = (method: string, request: object): Answer => {
    let answer: Answer | undefined;
    handlers[method]!({ request }, (err, value) => (answer = { err, value }));
    return answer!;
  };
  const streamCall = (): { written: string[]; destroyed?: Error } => {
    const out: { written: string[]; destroyed?: Error } = { written: [] };
    handlers['Snapshot']!({
      request: {},
      write: (v: string) => out.written.push(v),
      emit: (event: string, e: Error) => {
        if (event === 'error') out.destroyed = e;
        return true;
      },
    });
    return out;
  };
  return { unaryCall, streamCall };
}

const refused = { code: status.UNAVAILABLE, details: 'etcdserver: rpc not supported for learner' };

test('a learner answers Status and serializable Range, and refuses the rest', () => {
  const f = fixture(true);
  assert.equal(f.unaryCall('Status', {}).value, 'status');
  assert.equal(f.unaryCall('Range', { serializable: true }).value, 'range');
  for (const [method, req] of [
    ['Range', { serializable: false }],
    ['Put', {}],
    ['MemberList', {}],
  ] as const) {
    const { err } = f.unaryCall(method, req);
    assert.equal(err?.code, refused.code, method);
    assert.equal(err?.details, refused.details, method);
  }
  const stream = f.streamCall();
  assert.deepEqual(stream.written, []);
  assert.equal((stream.destroyed as { details?: string } | undefined)?.details, refused.details);
});

test('a voter serves everything', () => {
  const f = fixture(false);
  assert.equal(f.unaryCall('Put', {}).value, 'put');
  assert.equal(f.unaryCall('Range', { serializable: false }).value, 'range');
  assert.deepEqual(f.streamCall().written, ['chunk']);
});
