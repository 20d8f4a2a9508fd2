// The Lease API of the typed client (`client.leases`), and `client.lease(ttl)`
// which grants a lease and keeps it alive.
//
// Grant and revoke are writes (not retried after an ambiguous failure; a
// grant with a client-chosen id may be repeated safely by the caller, it
// then fails with LeaseExistsError if the first one took). TimeToLive,
// Leases and a single keep-alive are reads.

import * as grpc from '@grpc/grpc-js';
import type * as w from '../server/grpc/wire-types.js';
import { headerIn, int64In, int64Out, smallIntIn, type LeaseId } from './codec.js';
import { timeToLiveIn, type LeaseGrantResult, type LeaseTimeToLiveResult } from './cluster.js';
import type { LeaseNotFoundError } from './errors.js';
import { errorFromStatus, errorForEtcdCode } from './errors.js';
import type { KeepAliveHub } from './keepalive.js';
import { type KeepAlive, type KeepAliveOptions } from './keepalive.js';
import { invoke, withFailover, type CallOptions, type Invoker } from './retry.js';

type Duplex = grpc.ClientDuplexStream<
  w.LeaseKeepAliveRequest<'out'>,
  w.LeaseKeepAliveResponse<'in'>
>;

export interface KeepAliveOnceResult {
  id: LeaseId;
  /** The renewed TTL in seconds. */
  ttl: number;
}

export class Leases {
  constructor(
    private readonly inv: Invoker,
    private readonly hub: KeepAliveHub,
  ) {}

  /**
   * Grants a lease of `ttlSeconds`; `id` chooses its id (any int64 but 0,
   * e.g. 2n ** 60n), else the server picks one.
   */
  async grant(ttlSeconds: number, id?: LeaseId, o?: CallOptions): Promise<LeaseGrantResult> {
    const res = await invoke<w.LeaseGrantRequest<'out'>, w.LeaseGrantResponse<'in'>>(
      this.inv,
      'Lease',
      'LeaseGrant',
      { TTL: int64Out(ttlSeconds, 'TTL'), ID: int64Out(id ?? 0n, 'lease id') },
      'unsafe',
      o,
    );
    if (res.error !== '') throw errorFromStatus({ code: grpc.status.UNKNOWN, details: res.error });
    return { header: headerIn(res.header), id: int64In(res.ID), ttl: smallIntIn(res.TTL) };
  }

  /** Revokes a lease: its keys are deleted. */
  async revoke(id: LeaseId, o?: CallOptions): Promise<void> {
    await invoke<w.LeaseRevokeRequest<'out'>, w.LeaseRevokeResponse<'in'>>(
      this.inv,
      'Lease',
      'LeaseRevoke',
      { ID: int64Out(id, 'lease id') },
      'unsafe',
      o,
    );
  }

  /** A lease's remaining and granted TTL (ttl -1 when it does not exist), and its keys if asked. */
  async timeToLive(
    id: LeaseId,
    opts: { keys?: boolean } & CallOptions = {},
  ): Promise<LeaseTimeToLiveResult> {
    const res = await invoke<w.LeaseTimeToLiveRequest<'out'>, w.LeaseTimeToLiveResponse<'in'>>(
      this.inv,
      'Lease',
      'LeaseTimeToLive',
      { ID: int64Out(id, 'lease id'), keys: opts.keys === true },
      'safe',
      opts,
    );
    return timeToLiveIn(res);
  }

  /** The ids of every lease. */
  async list(o?: CallOptions): Promise<LeaseId[]> {
    const res = await invoke<w.LeaseLeasesRequest<'out'>, w.LeaseLeasesResponse<'in'>>(
      this.inv,
      'Lease',
      'LeaseLeases',
      {},
      'safe',
      o,
    );
    return res.leases.map((l) => int64In(l.ID));
  }

  /**
   * Renews a lease once, on a short-lived keep-alive stream. Rejects with
   * LeaseNotFoundError when the lease does not exist (the server answers TTL ≤ 0).
   */
  async keepAliveOnce(id: LeaseId, o: CallOptions = {}): Promise<KeepAliveOnceResult> {
    const ID = int64Out(id, 'lease id');
    const ttl = await withFailover(this.inv, 'LeaseKeepAlive', 'safe', o, (ep, deadlineMs) =>
      keepAliveOnceOn(ep.service('Lease'), ID, deadlineMs),
    );
    if (ttl <= 0)
      throw errorForEtcdCode('LeaseNotFound') as InstanceType<typeof LeaseNotFoundError>;
    return { id, ttl };
  }

  /** Keeps a lease alive until close() or until it is lost (see keepalive.ts). */
  keepAlive(id: LeaseId, o?: KeepAliveOptions): KeepAlive {
    return this.hub.keepAlive(id, o);
  }
}

function keepAliveOnceOn(service: grpc.Client, id: string, deadlineMs: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const call = (
      service as unknown as {
        LeaseKeepAlive(md: grpc.Metadata, o: grpc.CallOptions): Duplex;
      }
    ).LeaseKeepAlive(new grpc.Metadata(), { deadline: deadlineMs });
    let settled = false;
    call.on('data', (res: w.LeaseKeepAliveResponse<'in'>) => {
      if (settled) return;
      settled = true;
      resolve(smallIntIn(res.TTL));
      call.cancel();
    });
    call.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
    call.on('end', () => {
      if (settled) return;
      settled = true;
      reject({
        code: grpc.status.UNAVAILABLE,
        details: 'keep-alive stream ended without an answer',
      });
    });
    call.write({ ID: id });
  });
}

/** A lease granted by `client.lease(ttl)` and kept alive until revoke() or close(). */
export class LeaseHandle {
  constructor(
    private readonly leases: Leases,
    readonly id: LeaseId,
    /** The TTL granted, in seconds. */
    readonly grantedTtl: number,
    readonly keepAlive: KeepAlive,
  ) {}

  /** Rejects with LeaseLostError when the lease is lost; resolves on close. */
  get done(): Promise<void> {
    return this.keepAlive.done;
  }

  /** Stops the keep-alive and revokes the lease (its keys are deleted). */
  async revoke(o?: CallOptions): Promise<void> {
    this.keepAlive.close();
    await this.leases.revoke(this.id, o);
  }

  /** Stops the keep-alive only; the lease expires after its TTL. */
  close(): void {
    this.keepAlive.close();
  }
}
