// Typed errors are rebuilt from a gRPC status by its message, as etcd's
// client does; statuses outside etcd's table keep their code and message.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { etcdErrorCodes, etcdErrors } from '../../../store/errors.js';
import {
  AuthError,
  CompactedError,
  DeadlineExceededError,
  EtcdClientError,
  FutureRevisionError,
  KeyNotFoundError,
  LeaseNotFoundError,
  MemberNotFoundError,
  NoEndpointAvailableError,
  NoLeaderError,
  NoSpaceError,
  PermissionDeniedError,
  RequestTooLargeError,
  TooManyOpsError,
  UnavailableError,
  WatchCanceledError,
  classifyFailure,
  compactedError,
  errorFromStatus,
} from '../../../store/client/index.js';
import { errorFromCancelReason } from '../../../store/client/errors.js';

const statusOf = (code: keyof typeof etcdErrors) => ({
  code: etcdErrors[code].grpcCode,
  details: etcdErrors[code].message,
  message: `${etcdErrors[code].grpcCode} X: ${etcdErrors[code].message}`,
});

test("every entry of etcd's error table comes back typed, with its exact message and code", () => {
  for (const code of etcdErrorCodes) {
    const e = errorFromStatus(statusOf(code), '127.0.0.1:1');
    assert.ok(e instanceof EtcdClientError, code);
    assert.equal(e.message, etcdErrors[code].message, code);
    assert.equal(e.grpcCode, etcdErrors[code].grpcCode, code);
    assert.equal(e.etcdCode, code);
    assert.equal(e.endpoint, '127.0.0.1:1');
  }
});

test('the useful etcd errors have their own classes', () => {
  const cases: [keyof typeof etcdErrors, abstract new (...a: never[]) => Error][] = [
    ['Compacted', CompactedError],
    ['FutureRev', FutureRevisionError],
    ['NoLeader', NoLeaderError],
    ['LeaseNotFound', LeaseNotFoundError],
    ['KeyNotFound', KeyNotFoundError],
    ['TooManyOps', TooManyOpsError],
    ['RequestTooLarge', RequestTooLargeError],
    ['NoSpace', NoSpaceError],
    ['MemberNotFound', MemberNotFoundError],
    ['PermissionDenied', PermissionDeniedError],
    ['InvalidAuthToken', AuthError],
    ['LeaderChanged', UnavailableError],
    ['Timeout', UnavailableError],
  ];
  for (const [code, C] of cases) {
    const e = errorFromStatus(statusOf(code));
    assert.ok(e instanceof C, `${code} → ${C.name}, got ${e.name}`);
    assert.equal(e.name, C.name);
  }
});

test('a status outside the table keeps its gRPC code and message', () => {
  const e = errorFromStatus({
    code: status.UNIMPLEMENTED,
    details: 'unknown service etcdserverpb.Watch',
  });
  assert.equal(e.constructor, EtcdClientError);
  assert.equal(e.grpcCode, status.UNIMPLEMENTED);
  assert.equal(e.message, 'unknown service etcdserverpb.Watch');
  assert.equal(e.etcdCode, undefined);
  const d = errorFromStatus({ code: status.DEADLINE_EXCEEDED, details: 'Deadline exceeded' });
  assert.ok(d instanceof DeadlineExceededError);
});

test("a watch's compaction carries the compact revision; cancel reasons map like statuses", () => {
  const big = 2n ** 60n + 7n;
  const e = compactedError(big);
  assert.ok(e instanceof CompactedError);
  assert.equal(e.compactRevision, big);
  assert.equal(e.message, etcdErrors.Compacted.message);
  assert.ok(
    errorFromCancelReason(etcdErrors.PermissionDenied.message) instanceof PermissionDeniedError,
  );
  const other = errorFromCancelReason('something else');
  assert.ok(other instanceof WatchCanceledError);
  assert.equal(other.message, 'something else');
});

test('failure classes of the retry rule', () => {
  const unavailable = (details: string) => classifyFailure({ code: status.UNAVAILABLE, details });
  // Never sent: any request may be retried.
  assert.deepEqual(unavailable('No connection established. Last error: ECONNREFUSED'), {
    endpointFailed: true,
    notExecuted: true,
  });
  assert.deepEqual(classifyFailure(new NoEndpointAvailableError('x')), {
    endpointFailed: true,
    notExecuted: true,
  });
  // etcd says "no leader" before proposing.
  assert.deepEqual(classifyFailure(statusOf('NoLeader')), {
    endpointFailed: true,
    notExecuted: true,
  });
  // Sent, maybe executed: fail over, but retry only reads.
  assert.deepEqual(unavailable('Connection dropped'), { endpointFailed: true, notExecuted: false });
  assert.deepEqual(classifyFailure(statusOf('Timeout')), {
    endpointFailed: true,
    notExecuted: false,
  });
  assert.deepEqual(classifyFailure(statusOf('LeaderChanged')), {
    endpointFailed: true,
    notExecuted: false,
  });
  // An answer, not an availability problem.
  assert.deepEqual(classifyFailure(statusOf('Compacted')), {
    endpointFailed: false,
    notExecuted: false,
  });
  assert.deepEqual(
    classifyFailure({ code: status.DEADLINE_EXCEEDED, details: 'Deadline exceeded' }),
    {
      endpointFailed: false,
      notExecuted: false,
    },
  );
});
