// store/errors.ts is etcd 3.4's table of wire errors: exact messages, the
// right gRPC codes, nothing internal ever reaching a client, and
// docs/errors.md showing the same table.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Metadata, status } from '@grpc/grpc-js';
import {
  EtcdError,
  GrpcStatusError,
  etcdError,
  etcdErrorCodes,
  etcdErrorFromStatus,
  etcdErrors,
  internalErrorMessage,
  toServiceError,
} from '../../store/errors.js';

/** The lock and election services' errors: etcd's concurrency package words them. */
const concurrencyCodes = new Set([
  'ElectionNotLeader',
  'ElectionNoLeader',
  'ElectionMissingLeaderKey',
  'MutexSessionExpired',
]);

test('every server message is non-empty and starts with "etcdserver: ", as all of etcd 3.4 do', () => {
  assert.ok(etcdErrorCodes.length >= 50);
  for (const code of etcdErrorCodes) {
    const { message } = etcdErrors[code];
    if (!concurrencyCodes.has(code)) assert.match(message, /^etcdserver: \S/, code);
    assert.equal(message, message.trim(), code);
    assert.notEqual(message, '', code);
  }
});

test('the concurrency errors go out as etcd sends plain Go errors: UNKNOWN, unknown to clients', () => {
  for (const code of etcdErrorCodes.filter((c) => concurrencyCodes.has(c))) {
    assert.equal(etcdErrors[code].grpcCode, status.UNKNOWN, code);
    assert.equal(etcdErrors[code].knownToClients, false, code);
  }
  assert.equal(etcdErrors.ElectionNotLeader.message, 'election: not leader');
  assert.equal(etcdErrors.ElectionNoLeader.message, 'election: no leader');
  assert.equal(etcdErrors.ElectionMissingLeaderKey.message, '"leader" field must be provided');
  assert.equal(etcdErrors.MutexSessionExpired.message, 'mutex: session is expired');
});

test('messages are unique, so a client can map a message back to its code', () => {
  const messages = etcdErrorCodes.map((code) => etcdErrors[code].message);
  assert.equal(new Set(messages).size, messages.length);
});

test('every code is a real gRPC status other than OK', () => {
  const valid = new Set(Object.values(status).filter((v) => typeof v === 'number'));
  for (const code of etcdErrorCodes) {
    assert.ok(valid.has(etcdErrors[code].grpcCode), code);
    assert.notEqual(etcdErrors[code].grpcCode, status.OK, code);
  }
});

test('spot checks against etcd 3.4 rpctypes', () => {
  const expect = (code: keyof typeof etcdErrors, grpcCode: status, message: string) =>
    assert.deepEqual(
      [etcdErrors[code].grpcCode, etcdErrors[code].message],
      [grpcCode, message],
      code,
    );
  expect('EmptyKey', status.INVALID_ARGUMENT, 'etcdserver: key is not provided');
  expect(
    'Compacted',
    status.OUT_OF_RANGE,
    'etcdserver: mvcc: required revision has been compacted',
  );
  expect(
    'FutureRev',
    status.OUT_OF_RANGE,
    'etcdserver: mvcc: required revision is a future revision',
  );
  expect('NoSpace', status.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded');
  expect('LeaseNotFound', status.NOT_FOUND, 'etcdserver: requested lease not found');
  expect('LeaseExist', status.FAILED_PRECONDITION, 'etcdserver: lease already exists');
  expect('MemberExist', status.FAILED_PRECONDITION, 'etcdserver: member ID already exist');
  expect('PeerURLExist', status.FAILED_PRECONDITION, 'etcdserver: Peer URLs already exists');
  expect('PermissionDenied', status.PERMISSION_DENIED, 'etcdserver: permission denied');
  expect('InvalidAuthToken', status.UNAUTHENTICATED, 'etcdserver: invalid auth token');
  expect('NoLeader', status.UNAVAILABLE, 'etcdserver: no leader');
  expect('NotLeader', status.FAILED_PRECONDITION, 'etcdserver: not leader');
  expect('Corrupt', status.DATA_LOSS, 'etcdserver: corrupt cluster');
  expect('WatchCanceled', status.CANCELLED, 'etcdserver: watch canceled');
});

test('etcdError keeps the detail for the log, out of the message', () => {
  const err = etcdError('FutureRev', 'asked 9007199254740993, current 12');
  assert.ok(err instanceof EtcdError && err instanceof Error);
  assert.equal(err.code, 'FutureRev');
  assert.equal(err.grpcCode, status.OUT_OF_RANGE);
  assert.equal(err.message, 'etcdserver: mvcc: required revision is a future revision');
  assert.equal(err.detail, 'asked 9007199254740993, current 12');
  assert.equal(err.name, 'EtcdError');
});

test('toServiceError sends a typed error with its code and exact message', () => {
  for (const code of etcdErrorCodes) {
    const out = toServiceError(etcdError(code, 'internal detail'));
    assert.equal(out.code, etcdErrors[code].grpcCode, code);
    assert.equal(out.details, etcdErrors[code].message, code);
    assert.equal(out.message, etcdErrors[code].message, code);
    assert.equal(out.stack, undefined, code);
  }
  const unsupported = new GrpcStatusError(status.UNIMPLEMENTED, 'capstan: sort by VALUE');
  assert.deepEqual(
    [toServiceError(unsupported).code, toServiceError(unsupported).details],
    [status.UNIMPLEMENTED, 'capstan: sort by VALUE'],
  );
});

test('toServiceError hides anything untyped behind UNKNOWN and a generic message', () => {
  const secret = 'EACCES /var/lib/capstan/member/raft';
  const lookalike = { code: status.NOT_FOUND, details: secret, message: secret };
  for (const thrown of [new Error(secret), new TypeError(secret), secret, lookalike, undefined]) {
    const out = toServiceError(thrown);
    assert.equal(out.code, status.UNKNOWN);
    assert.equal(out.details, internalErrorMessage);
    assert.equal(out.message, internalErrorMessage);
    assert.equal(out.stack, undefined);
    assert.ok(!JSON.stringify(out).includes('EACCES'));
  }
});

test('toServiceError passes trailing metadata through', () => {
  const metadata = new Metadata();
  metadata.set('x-capstan', '1');
  assert.equal(toServiceError(etcdError('NoLeader'), metadata).metadata, metadata);
});

test('a received status maps back to its code by message, as etcd clients do', () => {
  for (const code of etcdErrorCodes) {
    const back = etcdErrorFromStatus({ code: 2, details: etcdErrors[code].message });
    assert.equal(back?.code, code);
  }
  assert.equal(etcdErrorFromStatus({ details: 'etcdserver: something else' }), undefined);
  assert.equal(etcdErrorFromStatus(new Error('etcdserver: no leader')), undefined);
  assert.equal(etcdErrorFromStatus(null), undefined);
});

test('docs/errors.md lists exactly this table', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = doc
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.split('|').map((cell) => cell.trim().replace(/^`|`$/g, '')));
  const documented = rows.map(([, code, grpcCode, message, known]) => ({
    code,
    grpcCode,
    message,
    known,
  }));
  const expected = etcdErrorCodes.map((code) => ({
    code,
    grpcCode: status[etcdErrors[code].grpcCode],
    message: etcdErrors[code].message,
    known: etcdErrors[code].knownToClients ? 'yes' : 'no',
  }));
  assert.deepEqual(documented, expected);
});
