// The typed etcd v3 client: what `capstan ctl` and the control plane use to
// talk to the store (and that works against real etcd 3.4 just as well).
//
//   const client = new Client({ endpoints: ['127.0.0.1:2379', '127.0.0.1:22379'] });
//   await client.put('greeting', 'hello');
//   const { kvs } = await client.get('greeting');
//   for await (const r of client.watch({ key: 'jobs/', prefix: true })) …
//   client.close();
//
// - Endpoints and failover: connection.ts. Which requests are retried:
//   retry.ts (THE RETRY RULE). Watch resume: watch.ts and watch-hub.ts.
//   Lease keep-alive: keepalive.ts. Lock and election: lock.ts, election.ts.
// - Every int64 is a bigint; keys and values go in as string | Uint8Array
//   and come out as Buffers (codec.ts).
// - Errors are typed (errors.ts): `instanceof CompactedError`, ….
// - close() ends every stream, timer and connection: nothing keeps the
//   process alive afterwards.

import * as grpc from '@grpc/grpc-js';
import type * as w from '../server/grpc/wire-types.js';
import { AlarmAction } from '../server/grpc/wire-types.js';
import {
  alarmTypes,
  alarmsIn,
  hashKVIn,
  memberIn,
  membersIn,
  statusIn,
  type Alarm,
  type HashKVResult,
  type MemberAddResult,
  type MembersResult,
  type StatusResult,
} from './cluster.js';
import {
  headerIn,
  int64Out,
  uint64Out,
  type Bytes,
  type LeaseId,
  type MemberId,
  type ResponseHeader,
  type Revision,
} from './codec.js';
import { EndpointPool } from './connection.js';
import type { NoLeaderError } from './errors.js';
import { ClientClosedError, errorFromStatus, errorForEtcdCode } from './errors.js';
import { Election, type ElectionOptions } from './election.js';
import { KeepAliveHub } from './keepalive.js';
import {
  deleteRequest,
  deleteResult,
  putRequest,
  putResult,
  rangeRequest,
  rangeResult,
  type DeleteOptions,
  type DeleteResult,
  type PutOptions,
  type PutResult,
  type RangeOptions,
  type RangeResult,
} from './kv.js';
import { LeaseHandle, Leases } from './lease.js';
import { lock, type Lock, type LockOptions } from './lock.js';
import { silentLogger, type ClientLogger } from './logger.js';
import type { CallOptions, Invoker } from './retry.js';
import { Session, type SessionOptions } from './session.js';
import { txnRequest, txnResult, type TxnResult, type TxnSpec } from './txn.js';
import type { Watcher, WatchOptions } from './watch.js';
import { WatchHub } from './watch-hub.js';
import { wireApi, type WireApi } from './wire-api.js';

export interface ClientOptions {
  /** Members' client URLs: host:port or http://host:port. */
  endpoints: readonly string[];
  /** Deadline of one request, retries included (etcdctl's --command-timeout). */
  requestTimeoutMs?: number;
  /** How long to wait for a connection to one member before trying the next (etcdctl's --dial-timeout). */
  dialTimeoutMs?: number;
  logger?: ClientLogger;
  /** First backoff of a failing member; doubles per consecutive failure up to endpointBackoffMaxMs. */
  endpointBackoffBaseMs?: number;
  endpointBackoffMaxMs?: number;
  /** HTTP/2 ping interval on connections with calls in flight (etcdctl's --keepalive-time). */
  keepAliveTimeMs?: number;
  /** How long a ping may go unanswered before the connection counts as dead. */
  keepAliveTimeoutMs?: number;
  /** A watcher whose consumer falls this many responses behind fails with WatchOverflowError. */
  watchBufferedResponsesMax?: number;
}

export const clientDefaults = {
  requestTimeoutMs: 5_000,
  dialTimeoutMs: 2_000,
  endpointBackoffBaseMs: 200,
  endpointBackoffMaxMs: 5_000,
  keepAliveTimeMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  watchBufferedResponsesMax: 10_000,
} as const;

function positive(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new RangeError(`capstan client: ${name} must be a positive integer, got ${v}`);
  }
  return v;
}

export class Client {
  readonly requestTimeoutMs: number;
  /** The unary RPCs in wire shapes, with failover and the retry rule (for ctl's JSON output). */
  readonly wire: WireApi;
  /** Grant, revoke, time-to-live, list and keep-alive of leases. */
  readonly leases: Leases;
  private readonly pool: EndpointPool;
  private readonly inv: Invoker;
  private readonly watches: WatchHub;
  private readonly keepAlives: KeepAliveHub;
  private closed = false;

  constructor(o: ClientOptions) {
    const d = clientDefaults;
    const logger = o.logger ?? silentLogger;
    this.requestTimeoutMs = positive('requestTimeoutMs', o.requestTimeoutMs ?? d.requestTimeoutMs);
    const limits = {
      dialTimeoutMs: positive('dialTimeoutMs', o.dialTimeoutMs ?? d.dialTimeoutMs),
      endpointBackoffBaseMs: positive(
        'endpointBackoffBaseMs',
        o.endpointBackoffBaseMs ?? d.endpointBackoffBaseMs,
      ),
      endpointBackoffMaxMs: positive(
        'endpointBackoffMaxMs',
        o.endpointBackoffMaxMs ?? d.endpointBackoffMaxMs,
      ),
      keepAliveTimeMs: positive('keepAliveTimeMs', o.keepAliveTimeMs ?? d.keepAliveTimeMs),
      keepAliveTimeoutMs: positive(
        'keepAliveTimeoutMs',
        o.keepAliveTimeoutMs ?? d.keepAliveTimeoutMs,
      ),
    };
    if (limits.endpointBackoffMaxMs < limits.endpointBackoffBaseMs) {
      throw new RangeError('capstan client: endpointBackoffMaxMs < endpointBackoffBaseMs');
    }
    this.pool = new EndpointPool(o.endpoints, limits);
    this.inv = { pool: this.pool, requestTimeoutMs: this.requestTimeoutMs, logger };
    this.wire = wireApi(this.inv);
    this.watches = new WatchHub(this.pool, logger, {
      watchBufferedResponsesMax: positive(
        'watchBufferedResponsesMax',
        o.watchBufferedResponsesMax ?? d.watchBufferedResponsesMax,
      ),
    });
    this.keepAlives = new KeepAliveHub(this.pool, logger);
    this.leases = new Leases(this.inv, this.keepAlives);
  }

  /** The endpoints, as host:port. */
  get endpoints(): string[] {
    return this.pool.endpoints.map((e) => e.address);
  }

  /** The endpoint requests go to now. */
  get activeEndpoint(): string {
    return this.pool.active.address;
  }

  // ------------------------------------------------------------------ KV

  /** Reads a key, a prefix or a range (see RangeOptions). */
  async get(key: Bytes, o: RangeOptions & CallOptions = {}): Promise<RangeResult> {
    return rangeResult(await this.wire.range(rangeRequest(key, o), o));
  }

  /** The value of one key, or undefined. */
  async getValue(
    key: Bytes,
    o: CallOptions & { serializable?: boolean; revision?: Revision } = {},
  ): Promise<Buffer | undefined> {
    return (await this.get(key, o)).kvs[0]?.value;
  }

  async put(key: Bytes, value: Bytes, o: PutOptions & CallOptions = {}): Promise<PutResult> {
    return putResult(await this.wire.put(putRequest(key, value, o), o));
  }

  async delete(key: Bytes, o: DeleteOptions & CallOptions = {}): Promise<DeleteResult> {
    return deleteResult(await this.wire.deleteRange(deleteRequest(key, o), o));
  }

  /** A transaction: `{ if: [compare…], then: [op…], else: [op…] }` (txn.ts). */
  async txn(spec: TxnSpec, o: CallOptions = {}): Promise<TxnResult> {
    const req = txnRequest(spec.if ?? [], spec.then ?? [], spec.else ?? []);
    // A txn that only reads is retried like a read (wire.txn decides).
    return txnResult(await this.wire.txn(req, o));
  }

  /** Compacts history up to `revision`; `physical` waits until the space is reclaimed. */
  async compact(
    revision: Revision | number,
    o: { physical?: boolean } & CallOptions = {},
  ): Promise<ResponseHeader> {
    const res = await this.wire.compact(
      { revision: int64Out(revision, 'revision'), physical: o.physical === true },
      o,
    );
    return headerIn(res.header);
  }

  // --------------------------------------------------------------- watch

  /** A watcher (watch.ts): async-iterable responses, resumed across member failures. */
  watch(o: WatchOptions): Watcher {
    return this.watches.watch(o);
  }

  /** Asks every watch stream for a progress notification. */
  requestWatchProgress(): void {
    this.watches.requestProgressAll();
  }

  // --------------------------------------------------------------- lease

  /** Grants a lease and keeps it alive: `handle.revoke()` or `handle.close()` when done. */
  async lease(ttlSeconds: number, o: { id?: LeaseId } & CallOptions = {}): Promise<LeaseHandle> {
    const g = await this.leases.grant(ttlSeconds, o.id, o);
    const ka = this.leases.keepAlive(g.id, { ttlSeconds: g.ttl });
    return new LeaseHandle(this.leases, g.id, g.ttl, ka);
  }

  /** A session: a lease kept alive, for locks and elections. */
  session(o?: SessionOptions): Promise<Session> {
    return Session.create(this, o);
  }

  /** Acquires the lock `name` (etcd's mutex recipe, lock.ts); resolves once held. */
  lock(name: Bytes, o?: LockOptions): Promise<Lock> {
    return lock(this, name, o);
  }

  /** The election `name` (etcd's election recipe, election.ts). */
  election(name: Bytes, o?: ElectionOptions): Election {
    return new Election(this, name, o);
  }

  // ------------------------------------------------------------- cluster

  async memberList(o?: CallOptions): Promise<MembersResult> {
    return membersIn(await this.wire.memberList({}, o));
  }

  async memberAdd(
    peerURLs: readonly string[],
    o: { learner?: boolean } & CallOptions = {},
  ): Promise<MemberAddResult> {
    const res = await this.wire.memberAdd(
      { peerURLs: [...peerURLs], isLearner: o.learner === true },
      o,
    );
    if (res.member === null)
      throw new TypeError('capstan client: MemberAdd answered without the member');
    return { ...membersIn(res), member: memberIn(res.member) };
  }

  async memberRemove(id: MemberId, o?: CallOptions): Promise<MembersResult> {
    return membersIn(await this.wire.memberRemove({ ID: uint64Out(id, 'member id') }, o));
  }

  async memberPromote(id: MemberId, o?: CallOptions): Promise<MembersResult> {
    return membersIn(await this.wire.memberPromote({ ID: uint64Out(id, 'member id') }, o));
  }

  async memberUpdate(
    id: MemberId,
    peerURLs: readonly string[],
    o?: CallOptions,
  ): Promise<MembersResult> {
    return membersIn(
      await this.wire.memberUpdate({ ID: uint64Out(id, 'member id'), peerURLs: [...peerURLs] }, o),
    );
  }

  // --------------------------------------------------------- maintenance

  /** The status of the active member, or of `o.endpoint`. */
  async status(o?: CallOptions): Promise<StatusResult> {
    return statusIn(await this.wire.status({}, o));
  }

  async hashKV(revision: Revision | number = 0n, o?: CallOptions): Promise<HashKVResult> {
    return hashKVIn(await this.wire.hashKV({ revision: int64Out(revision, 'revision') }, o));
  }

  /** The raised alarms. */
  async alarms(o?: CallOptions): Promise<Alarm[]> {
    return alarmsIn(await this.wire.alarm({ action: AlarmAction.GET }, o));
  }

  /** Clears alarms: the given one, else every raised one (as `etcdctl alarm disarm`). */
  async alarmDisarm(alarm?: Alarm, o?: CallOptions): Promise<Alarm[]> {
    const targets = alarm ? [alarm] : await this.alarms(o);
    const cleared: Alarm[] = [];
    for (const a of targets) {
      const res = await this.wire.alarm(
        {
          action: AlarmAction.DEACTIVATE,
          memberID: uint64Out(a.memberId),
          alarm: alarmTypes[a.alarm],
        },
        o,
      );
      cleared.push(...alarmsIn(res));
    }
    return cleared;
  }

  async defragment(o?: CallOptions): Promise<void> {
    await this.wire.defragment({}, o);
  }

  /**
   * Transfers leadership to `targetId`. Only the leader can, so the
   * request goes to the endpoint that reports itself leader.
   */
  async moveLeader(
    targetId: MemberId,
    o: CallOptions = {},
  ): Promise<{ from: MemberId; header: ResponseHeader }> {
    for (const endpoint of this.endpoints) {
      let s: StatusResult;
      try {
        s = await this.status({ ...o, endpoint });
      } catch {
        continue;
      }
      if (s.leader === 0n || s.leader !== s.header.memberId) continue;
      const res = await this.wire.moveLeader(
        { targetID: uint64Out(targetId, 'member id') },
        { ...o, endpoint },
      );
      return { from: s.leader, header: headerIn(res.header) };
    }
    throw errorForEtcdCode('NoLeader') as NoLeaderError;
  }

  /** A snapshot of the member's database, as chunks (the active member's, or `o.endpoint`'s). */
  async *snapshot(o: CallOptions = {}): AsyncGenerator<Buffer> {
    if (this.closed) throw new ClientClosedError();
    const ep = o.endpoint !== undefined ? this.pool.byAddress(o.endpoint) : this.pool.order()[0]!;
    await this.pool.ready(ep, Date.now() + this.pool.limits.dialTimeoutMs);
    const service = ep.service('Maintenance') as unknown as {
      Snapshot(
        req: w.SnapshotRequest<'out'>,
        md: grpc.Metadata,
      ): grpc.ClientReadableStream<w.SnapshotResponse<'in'>>;
    };
    const call = service.Snapshot({}, new grpc.Metadata());
    try {
      for await (const chunk of call as AsyncIterable<w.SnapshotResponse<'in'>>) {
        yield Buffer.from(chunk.blob);
      }
    } catch (e) {
      throw errorFromStatus(e, ep.address);
    } finally {
      call.cancel();
    }
  }

  /** Ends every watcher, keep-alive, stream and connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watches.close();
    this.keepAlives.close();
    this.pool.close();
  }
}
