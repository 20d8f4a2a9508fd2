// How a failed request is recorded: 'fail' when it definitely did not take
// effect, 'unknown' when it may have. Getting this wrong either way breaks
// the checks: calling an executed write 'fail' makes a correct store look
// like it invented a value; calling a rejected one 'unknown' only weakens
// the check, so 'unknown' is the default.
//
// - A read has no effect, so any error makes it 'fail' (Jepsen does the
//   same): whether or not a member served it, it neither changed nor
//   observed anything the history keeps.
// - A write is 'fail' only when the error proves it was never executed:
//    - THE RETRY RULE's "not executed" failures (store/client/retry.ts): no
//      connection could be made, so nothing was sent; or etcd's "no leader",
//      which a member answers before proposing;
//    - errors a member answers instead of proposing, or that the apply
//      rejects without writing anything: a malformed or oversized request,
//      too many requests, no space, a compacted or future revision, an
//      unknown lease, permission or auth errors.
//   Everything else — "leader changed", "request timed out", a deadline, a
//   connection lost after sending, a member shutting down — may hide a
//   write that committed, and is 'unknown'.

import { classifyFailure, EtcdClientError } from '../../client/index.js';

/** etcd errors answered before proposing, or by an apply that writes nothing. */
const rejectedWithoutEffect: ReadonlySet<string> = new Set([
  'EmptyKey',
  'KeyNotFound',
  'ValueProvided',
  'LeaseProvided',
  'TooManyOps',
  'DuplicateKey',
  'RequestTooLarge',
  'TooManyRequests',
  'NoSpace',
  'Compacted',
  'FutureRev',
  'LeaseNotFound',
  'PermissionDenied',
  'AuthFailed',
  'InvalidAuthToken',
  'AuthOldRevision',
  'UserNotFound',
  'RoleNotGranted',
  'PermissionNotGranted',
]);

export type Effect = 'read' | 'write';

export function outcomeOfError(err: unknown, effect: Effect): 'fail' | 'unknown' {
  if (effect === 'read') return 'fail';
  if (!(err instanceof EtcdClientError)) return 'unknown';
  if (err.etcdCode !== undefined && rejectedWithoutEffect.has(err.etcdCode)) return 'fail';
  return classifyFailure(err).notExecuted ? 'fail' : 'unknown';
}
