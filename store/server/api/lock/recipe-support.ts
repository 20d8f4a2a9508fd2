// What the Lock and Election services share: the orphaned session on the
// caller's lease, the typed client's records back in wire shapes, the
// caller's cancellation as an AbortSignal, and etcd's way of answering
// with the errors of its own client.

import type { EventEmitter } from 'node:events';
import { status } from '@grpc/grpc-js';
import {
  ElectionNotLeaderError,
  EtcdClientError,
  LockLostError,
  Session,
  type Client,
  type KeyValue,
  type ResponseHeader,
} from '../../../client/index.js';
import { etcdError, etcdErrors, GrpcStatusError } from '../../../errors.js';
import type * as w from '../../grpc/wire-types.js';
import { idIn, idOut, leaseOut } from '../../wire.js';

/**
 * etcd's NewSession(WithLease(lease)) followed by Orphan(): the recipe's
 * keys go under the caller's lease, which the caller keeps alive; the
 * server never renews nor revokes it. Lease 0 (none) grants a new lease of
 * etcd's default session TTL (60 s), left to expire, as etcd does. A lease
 * that does not exist is not checked here: the recipe's first put fails
 * with "requested lease not found".
 */
export function orphanSession(client: Client, lease: string): Promise<Session> {
  const id = idIn(lease);
  return Session.create(client, id === 0n ? { orphan: true } : { leaseId: id, orphan: true });
}

export function headerOut(h: ResponseHeader): w.ResponseHeader<'out'> {
  return {
    cluster_id: idOut(h.clusterId),
    member_id: idOut(h.memberId),
    revision: h.revision.toString(),
    raft_term: idOut(h.raftTerm),
  };
}

export function keyValueOut(kv: KeyValue): w.KeyValue<'out'> {
  return {
    key: kv.key,
    value: kv.value,
    create_revision: kv.createRevision.toString(),
    mod_revision: kv.modRevision.toString(),
    version: kv.version.toString(),
    lease: leaseOut(kv.lease),
  };
}

/** Aborted when the caller cancels the call (or its deadline passes): the recipe stops waiting. */
export function callSignal(call: EventEmitter): AbortSignal {
  const ac = new AbortController();
  call.once('cancelled', () => ac.abort());
  return ac.signal;
}

/**
 * What the service answers for a failure of the recipe, as etcd's does.
 * etcd's client turns a status whose message is in its error table into a
 * plain Go error, which its server then sends as UNKNOWN with that message
 * (e.g. UNKNOWN "etcdserver: requested lease not found"); any other status
 * passes through with its code. The recipe's own errors are the
 * concurrency package's. Anything else stays untyped (logged, internal).
 */
export function recipeFailure(err: unknown): unknown {
  if (err instanceof ElectionNotLeaderError) return etcdError('ElectionNotLeader');
  if (err instanceof LockLostError) return etcdError('MutexSessionExpired');
  if (!(err instanceof EtcdClientError)) return err;
  const known = err.etcdCode === undefined ? undefined : etcdErrors[err.etcdCode];
  if (known?.knownToClients === true) return new GrpcStatusError(status.UNKNOWN, known.message);
  if (err.grpcCode !== undefined) return new GrpcStatusError(err.grpcCode, err.message);
  return err;
}
