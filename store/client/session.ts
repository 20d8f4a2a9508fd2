// A session (etcd's concurrency.Session): a lease kept alive for as long as
// the holder lives. Locks and elections put their keys under it, so a
// holder that dies loses them when the lease expires, and a holder that
// closes the session loses them at once (the lease is revoked).
//
// An orphaned session (`orphan: true`, etcd's Session.Orphan) is not kept
// alive by this client: whoever owns the lease renews it. etcd's lock and
// election services hold the caller's lease this way (the server must not
// extend a lease the caller stopped renewing).

import type { LeaseId } from './codec.js';
import type { DeleteOptions, DeleteResult, RangeOptions, RangeResult } from './kv.js';
import type { Leases } from './lease.js';
import type { KeepAlive } from './keepalive.js';
import type { CallOptions } from './retry.js';
import type { TxnResult, TxnSpec } from './txn.js';
import type { Watcher, WatchOptions } from './watch.js';
import type { Bytes } from './codec.js';

/** etcd's concurrency package default session TTL. */
export const sessionTtlSecondsDefault = 60;

/** What the lock and election recipes need of a client (the Client has it all). */
export interface RecipeClient {
  readonly leases: Leases;
  readonly requestTimeoutMs: number;
  get(key: Bytes, o?: RangeOptions & CallOptions): Promise<RangeResult>;
  delete(key: Bytes, o?: DeleteOptions & CallOptions): Promise<DeleteResult>;
  txn(spec: TxnSpec, o?: CallOptions): Promise<TxnResult>;
  watch(o: WatchOptions): Watcher;
}

export interface SessionOptions {
  /** TTL of the session's lease in seconds (default 60, as etcd's concurrency package). */
  ttlSeconds?: number;
  /** Use this existing lease instead of granting one (it is still revoked on close). */
  leaseId?: LeaseId;
  /**
   * Do not keep the lease alive (etcd's Session.Orphan): its owner renews
   * it, and keys under the session go when it expires. Nothing checks that
   * the lease exists; a write under it fails with LeaseNotFoundError.
   */
  orphan?: boolean;
}

export class Session {
  private closing: Promise<void> | undefined;
  /** `done` of an orphaned session: resolves on close. */
  private resolveClosed: () => void = () => {};
  private readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  private constructor(
    private readonly client: RecipeClient,
    readonly leaseId: LeaseId,
    readonly ttlSeconds: number,
    /** Undefined for an orphaned session. */
    readonly keepAlive: KeepAlive | undefined,
  ) {}

  static async create(client: RecipeClient, o: SessionOptions = {}): Promise<Session> {
    const ttl = o.ttlSeconds ?? sessionTtlSecondsDefault;
    if (!Number.isSafeInteger(ttl) || ttl <= 0) {
      throw new RangeError(
        `capstan client: session TTL must be a positive number of seconds, got ${ttl}`,
      );
    }
    let id = o.leaseId;
    let granted = ttl;
    if (id === undefined) {
      const g = await client.leases.grant(ttl);
      id = g.id;
      granted = g.ttl;
    }
    const ka = o.orphan === true ? undefined : client.leases.keepAlive(id, { ttlSeconds: granted });
    return new Session(client, id, granted, ka);
  }

  /**
   * Rejects with LeaseLostError when the session's lease is lost; resolves
   * on close. An orphaned session does not watch its lease: only close().
   */
  get done(): Promise<void> {
    return this.keepAlive?.done ?? this.closed;
  }

  /** Whether keep-alive stopped (lost or closed): keys under the session may be gone. */
  get ended(): boolean {
    return this.keepAlive?.closed ?? this.closing !== undefined;
  }

  /** Stops the keep-alive and revokes the lease, deleting every key under it. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.keepAlive?.close();
      this.resolveClosed();
      try {
        await this.client.leases.revoke(this.leaseId);
      } catch {
        // Gone already, or unreachable: the lease then expires after its TTL.
      }
    })();
    return this.closing;
  }
}
