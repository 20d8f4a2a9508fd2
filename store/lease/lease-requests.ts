// The lease requests only the leader can answer — renewals and remaining
// TTLs, which depend on the leader's clock — as etcd's EtcdServer serves
// them (etcdserver/v3_server.go LeaseRenew, LeaseTimeToLive): on the leader
// they are answered by its lessor; elsewhere they are forwarded to the
// leader (forward-client.ts), again and again until an answer, a "not
// found", or the request timeout. While there is no leader the request
// waits for one and, if none comes in time, fails with "no leader".
//
// The other side — the leader answering a forwarded request — first waits
// until it has applied everything it had committed when the request came
// (etcd's leasehttp waits the same way): a lease granted through another
// member is then known here even if that member applied the grant first.

import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { etcdError, GrpcStatusError } from '../errors.js';
import { limits } from '../limits.js';
import { LeaseForwardClient } from './forward-client.js';
import type { ForwardedLeases } from './forward-server.js';
import type { LeaseHost } from './host.js';
import type { LocalRenew, LocalTimeToLive, ReplicaLessor } from './replica-lessor.js';

export interface LeaseRequestOptions {
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  /** The whole budget of one request (etcd's ReqTimeout). */
  requestTimeoutMs: number;
}

export interface TimeToLive {
  /** Whole seconds left (truncated). */
  ttl: number;
  grantedTtl: number;
  keys: Uint8Array[];
}

interface Leader {
  id: bigint;
  peerUrls: readonly string[];
}

export class LeaseRequests implements ForwardedLeases {
  private readonly forward: LeaseForwardClient;

  constructor(
    private readonly host: LeaseHost,
    readonly lessor: ReplicaLessor,
    private readonly o: LeaseRequestOptions,
  ) {
    this.forward = new LeaseForwardClient(host.clusterId);
  }

  get clusterId(): bigint {
    return this.host.clusterId;
  }

  /** Starts the lessor's periodic work. */
  start(): void {
    this.lessor.start();
  }

  /** Stops the lessor (waiting requests fail with "server stopped") and closes forwarding channels. */
  stop(): void {
    this.lessor.stop();
    this.forward.close();
  }

  /** etcd's LeaseRenew: the lease's TTL once renewed; throws LeaseNotFound, NoLeader, Timeout, Stopped. */
  async renew(id: bigint, signal?: AbortSignal): Promise<number> {
    const deadline = Date.now() + this.o.requestTimeoutMs;
    for (;;) {
      const leader = await this.waitLeader(deadline, signal);
      const r: LocalRenew | { kind: 'retry' } =
        leader.id === this.host.memberId
          ? await this.lessor.renewHere(id, signal)
          : await this.forward.renew(leader.peerUrls, id, this.attemptDeadline(deadline));
      if (r.kind === 'renewed') return r.ttl;
      if (r.kind === 'not-found') throw etcdError('LeaseNotFound');
      await this.pause(deadline, signal);
    }
  }

  /** etcd's LeaseTimeToLive as the leader measures it; undefined when there is no such lease. */
  async timeToLive(
    id: bigint,
    keys: boolean,
    signal?: AbortSignal,
  ): Promise<TimeToLive | undefined> {
    const deadline = Date.now() + this.o.requestTimeoutMs;
    for (;;) {
      const leader = await this.waitLeader(deadline, signal);
      const r: LocalTimeToLive | { kind: 'retry' } =
        leader.id === this.host.memberId
          ? this.lessor.timeToLiveHere(id, keys)
          : await this.forward.timeToLive(
              leader.peerUrls,
              id,
              keys,
              this.attemptDeadline(deadline),
            );
      if (r.kind === 'found') return { ttl: r.ttl, grantedTtl: r.grantedTtl, keys: r.keys };
      if (r.kind === 'not-found') return undefined;
      await this.pause(deadline, signal);
    }
  }

  /** Every lease id this member knows, as LeaseLeases lists them (no forwarding, as etcd). */
  list(): bigint[] {
    return this.lessor.core.list().map((l) => l.id);
  }

  // ---- forwarded to this member ---------------------------------------------

  async renewForPeer(id: bigint, signal: AbortSignal): Promise<LocalRenew> {
    if (!(await this.caughtUp(signal))) return { kind: 'not-primary' };
    return this.lessor.renewHere(id, signal);
  }

  async timeToLiveForPeer(
    id: bigint,
    keys: boolean,
    signal: AbortSignal,
  ): Promise<LocalTimeToLive> {
    if (!(await this.caughtUp(signal))) return { kind: 'not-primary' };
    return this.lessor.timeToLiveHere(id, keys);
  }

  /** Waits until this member applied what it had committed at the call (bounded). */
  private async caughtUp(signal: AbortSignal): Promise<boolean> {
    const target = this.host.node.raft.raftLog.committed;
    const deadline = Date.now() + limits.leaseForwardApplyWaitMs;
    while (this.host.mvcc.appliedIndex() < target) {
      if (Date.now() >= deadline || signal.aborted || this.lessor.isStopped) return false;
      await sleep(1);
    }
    return true;
  }

  // ---- helpers --------------------------------------------------------------

  /**
   * The leader this member knows of, once there is one it can reach (etcd's
   * waitLeader); "no leader" when none appears before `deadline`.
   */
  private async waitLeader(deadline: number, signal: AbortSignal | undefined): Promise<Leader> {
    for (;;) {
      this.checkLive(signal);
      const id = this.host.leader();
      if (id !== 0n && id === this.host.memberId && this.host.isLeader()) {
        return { id, peerUrls: [] };
      }
      if (id !== 0n && id !== this.host.memberId) {
        const m = this.host.mvcc.members().find((x) => x.id === id);
        if (m !== undefined && m.peerUrls.length > 0) return m;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw etcdError('NoLeader');
      await this.sleep(Math.min(this.o.heartbeatIntervalMs, left), signal);
    }
  }

  /** One forwarded attempt may not use the whole budget: a leader that hangs is given up on. */
  private attemptDeadline(deadline: number): number {
    return Math.min(deadline, Date.now() + 2 * this.o.electionTimeoutMs);
  }

  /** Between two attempts; "request timed out" once the budget is spent. */
  private async pause(deadline: number, signal: AbortSignal | undefined): Promise<void> {
    const left = deadline - Date.now();
    if (left <= 0) throw etcdError('Timeout');
    await this.sleep(Math.min(limits.leaseForwardRetryMs, left), signal);
  }

  private async sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(ms, undefined, signal === undefined ? undefined : { signal });
    } catch {
      // aborted: checkLive says why
    }
    this.checkLive(signal);
  }

  private checkLive(signal: AbortSignal | undefined): void {
    if (this.lessor.isStopped) throw etcdError('Stopped');
    if (signal?.aborted)
      throw new GrpcStatusError(status.CANCELLED, 'etcdserver: request cancelled');
  }
}
