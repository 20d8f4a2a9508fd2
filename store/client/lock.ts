// A distributed lock: etcd's client-side mutex recipe (concurrency.Mutex),
// so it interoperates with `etcdctl lock` and with Go programs using etcd's
// concurrency package.
//
// 1. Under a session (a kept-alive lease), the waiter's key is
//    `<name>/<lease id in hex>`.
// 2. One txn: if create_revision(key) == 0 then put(key, '', lease) and get
//    the oldest key under `<name>/`; else get(key) (this session already
//    queued) and the oldest key. Our revision is the key's create revision.
// 3. If the oldest key is ours, we hold the lock. Otherwise wait for the
//    deletion of the key with the greatest create revision below ours, and
//    repeat (waitDeletes), until no older key is left.
// 4. Then check that our key still exists with our revision: if the session
//    expired while we waited, the key is gone and so is our place.
//
// FENCING. Holding the lock is a belief, not a guarantee: a holder that
// stalls past its session TTL loses the key while it still thinks it holds
// it. Every write the lock protects must therefore be guarded in the same
// txn by the lock key:
//
//   await client.txn({
//     if: [lock.fence()],            // create_revision(lock.key) == lock.revision
//     then: [op.put('guarded/key', 'v')],
//   });  // succeeded === false: the lock was lost; nothing was written
//
// `lock.revision` (our key's create revision) only grows from one holder
// to the next, so it also serves as a fencing token for other systems.

import {
  bytesOut,
  type Bytes,
  type KeyValue,
  type LeaseId,
  type ResponseHeader,
  type Revision,
} from './codec.js';
import { LockLostError } from './errors.js';
import { compare, op, type Compare, type OpResponse } from './txn.js';
import { Session, type RecipeClient } from './session.js';
import { waitDeletes } from './wait-deletes.js';

export interface LockOptions {
  /** Hold the lock under this session; else a session of `ttlSeconds` is made and closed on unlock. */
  session?: Session;
  /** TTL of the lock's own session (default 60 s, as etcd's concurrency package). */
  ttlSeconds?: number;
  /** Give up waiting: the wait rejects with AbortedError and our key is removed. */
  signal?: AbortSignal;
}

export interface Lock {
  /** `<name>/<lease id hex>`: the key that holds the lock. */
  readonly key: Buffer;
  /** The create revision of `key`: the fencing token. */
  readonly revision: Revision;
  /** The header of the response that granted the lock (etcdctl's ETCD_LOCK_REV is its revision). */
  readonly header: ResponseHeader;
  readonly leaseId: LeaseId;
  readonly session: Session;
  /** create_revision(key) == revision: put it in the `if` of every guarded txn. */
  fence(): Compare;
  /** Releases the lock (deletes the key; closes the session if the lock made it). */
  unlock(): Promise<void>;
}

/** The key prefix of a lock or an election: the name and a slash. */
export function recipePrefix(name: Bytes): Buffer {
  return Buffer.concat([bytesOut(name), Buffer.from('/')]);
}

/** `<prefix><lease id hex>`, as etcd's recipes name their keys (Go's %x). */
export function recipeKey(prefix: Buffer, leaseId: LeaseId): Buffer {
  return Buffer.concat([prefix, Buffer.from(leaseId.toString(16))]);
}

/** The oldest key under a prefix (etcd's WithFirstCreate). */
export const firstCreated = {
  prefix: true,
  sort: { target: 'create', order: 'ascend' },
  limit: 1,
} as const;

export async function lock(client: RecipeClient, name: Bytes, o: LockOptions = {}): Promise<Lock> {
  const ownSession = o.session === undefined;
  const session = o.session ?? (await Session.create(client, { ttlSeconds: o.ttlSeconds }));
  const prefix = recipePrefix(name);
  const key = recipeKey(prefix, session.leaseId);
  const release = async (): Promise<void> => {
    try {
      await client.delete(key);
    } finally {
      if (ownSession) await session.close();
    }
  };
  try {
    const r = await client.txn({
      if: [compare.createRevision(key, '=', 0)],
      then: [op.put(key, '', { lease: session.leaseId }), op.get(prefix, firstCreated)],
      else: [op.get(key), op.get(prefix, firstCreated)],
    });
    const mine = r.succeeded ? undefined : rangeKvs(r.responses[0])[0];
    const revision = r.succeeded ? r.header.revision : (mine?.createRevision ?? 0n);
    const owner = rangeKvs(r.responses[1])[0];
    let header = r.header;
    if (owner !== undefined && owner.createRevision !== revision) {
      header = await waitDeletes(client, prefix, revision - 1n, o.signal);
      const still = await client.get(key, { signal: o.signal });
      if (still.kvs[0]?.createRevision !== revision) {
        throw new LockLostError(
          `capstan client: lock ${bytesOut(name).toString()} lost while waiting: the session ended`,
        );
      }
    }
    return {
      key,
      revision,
      header,
      leaseId: session.leaseId,
      session,
      fence: () => compare.createRevision(key, '=', revision),
      unlock: release,
    };
  } catch (e) {
    // Leave the queue: a waiter that gave up must not block those behind it.
    await release().catch(() => {});
    throw e;
  }
}

export function rangeKvs(res: OpResponse | undefined): KeyValue[] {
  return res?.type === 'range' ? res.range.kvs : [];
}
