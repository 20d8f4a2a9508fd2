// The lessor of one replica: the deterministic core (lessor.ts) wired to the
// replica it runs in. On every member it follows the applied lease changes;
// on the leader it is promoted once the leader has applied every entry of
// earlier terms (etcd promotes its lessor when the leader applies the empty
// entry of its own term: before that, its lease table may be behind), and
// then, every pass (etcd's lessor loop, 500 ms):
//   - proposes the revoke of each expired lease, at most
//     limits.leaseRevokePerSecond, with a bounded number in flight; a revoke
//     that fails is tried again after limits.leaseRevokeRetryMs;
//   - proposes the remaining TTLs that are due for a checkpoint.
// Leadership lost ⇒ demoted at once: it stops expiring anything, and
// renewals waiting on an expired lease are sent to find the new leader.
//
// Only the leader decides that a lease expired, and its decision takes
// effect only through Raft: a revoke is an ordinary committed command, so
// every member deletes the same keys at the same revision.

import { isEtcdError } from '../errors.js';
import { limits } from '../limits.js';
import type { LeaseChange } from '../mvcc/index.js';
import { systemClock, type Clock } from './clock.js';
import { GoneWaiters } from './gone-waiters.js';
import type { LeaseHost, LeaseMvcc } from './host.js';
import { Lessor } from './lessor.js';

export interface ReplicaLessorOptions {
  /** A new leader extends every lease by this much (etcd: one election timeout). */
  electionTimeoutMs: number;
  /** How often a leader that is not promoted yet looks again. */
  heartbeatIntervalMs: number;
  checkpointIntervalMs: number;
  clock?: Clock;
  passMs?: number;
  revokeRetryMs?: number;
  revokePerSecond?: number;
}

/** A renewal tried on this member. */
export type LocalRenew =
  { kind: 'renewed'; ttl: number } | { kind: 'not-found' } | { kind: 'not-primary' };

/** A TimeToLive answered on this member. */
export type LocalTimeToLive =
  | { kind: 'found'; ttl: number; grantedTtl: number; keys: Uint8Array[] }
  | { kind: 'not-found' }
  | { kind: 'not-primary' };

export class ReplicaLessor {
  readonly core: Lessor;
  private readonly gone = new GoneWaiters();
  private readonly cleanups: (() => void)[] = [];
  private passTimer: NodeJS.Timeout | undefined;
  private promoteTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  private awaitingPromotion = false;
  private readonly revokeQueue: bigint[] = [];
  private revokesInFlight = 0;
  private readonly passMs: number;

  constructor(
    private readonly host: LeaseHost,
    private readonly o: ReplicaLessorOptions,
  ) {
    this.passMs = o.passMs ?? limits.lessorPassMs;
    this.core = new Lessor(
      {
        clock: o.clock ?? systemClock,
        checkpointIntervalMs: o.checkpointIntervalMs,
        revokeRetryMs: o.revokeRetryMs ?? limits.leaseRevokeRetryMs,
        revokePerSecond: o.revokePerSecond ?? limits.leaseRevokePerSecond,
      },
      host.mvcc.leases(),
    );
    this.cleanups.push(
      host.subscribe({
        onLeases: (changes) => this.onLeases(changes),
        onRestored: (store) => this.onRestored(store),
      }),
      host.onLeadershipChange((leader) => this.onLeadership(leader)),
    );
    if (host.isLeader()) this.onLeadership(true);
  }

  /** Starts the periodic pass (tests may call pass() themselves instead). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.passTimer = setInterval(() => this.pass(), this.passMs);
    this.passTimer.unref();
    if (this.awaitingPromotion) this.pollPromotion();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.passTimer);
    for (const undo of this.cleanups.splice(0)) undo();
    this.demote();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  // ---- following the replica ------------------------------------------------

  private onLeases(changes: readonly LeaseChange[]): void {
    // Runs inside apply: must not throw.
    try {
      this.core.apply(changes);
      for (const c of changes) if (c.type === 'revoke') this.gone.wake(c.id, 'revoked');
    } catch (err) {
      this.host.log.error({ err }, 'lessor: following lease changes failed');
    }
  }

  private onRestored(store: LeaseMvcc): void {
    try {
      this.core.reset(store.leases());
      this.gone.wakeMissing((id) => this.core.has(id), 'revoked');
    } catch (err) {
      this.host.log.error({ err }, 'lessor: reloading leases after a snapshot failed');
    }
  }

  private onLeadership(leader: boolean): void {
    if (this.stopped) return;
    if (!leader) {
      this.demote();
      return;
    }
    this.awaitingPromotion = true;
    this.checkPromotion();
    if (this.awaitingPromotion && this.started) this.pollPromotion();
  }

  private pollPromotion(): void {
    if (this.promoteTimer !== undefined) return;
    this.promoteTimer = setInterval(() => this.checkPromotion(), this.o.heartbeatIntervalMs);
    this.promoteTimer.unref();
  }

  private stopPollingPromotion(): void {
    clearInterval(this.promoteTimer);
    this.promoteTimer = undefined;
  }

  /**
   * Promotes once this leader has applied an entry of its own term — the
   * empty entry it appended on election — and so everything before it.
   */
  checkPromotion(): void {
    if (!this.awaitingPromotion || this.stopped) return;
    if (!this.host.isLeader()) {
      this.awaitingPromotion = false;
      this.stopPollingPromotion();
      return;
    }
    if (this.host.mvcc.appliedTerm() !== this.host.node.raft.term) return;
    this.awaitingPromotion = false;
    this.stopPollingPromotion();
    this.core.promote(this.o.electionTimeoutMs);
    this.host.log.info(
      { leases: this.core.size, extendMs: this.o.electionTimeoutMs },
      'lessor promoted: this leader now expires leases',
    );
  }

  private demote(): void {
    this.awaitingPromotion = false;
    this.stopPollingPromotion();
    this.revokeQueue.length = 0;
    if (this.core.primary) {
      this.core.demote();
      this.host.log.info({}, 'lessor demoted: this member no longer expires leases');
    }
    this.gone.wakeAll('demoted');
  }

  // ---- the leader's periodic work -------------------------------------------

  /** One pass: promotion, expired leases, due checkpoints. */
  pass(): void {
    if (this.stopped) return;
    this.checkPromotion();
    if (!this.core.primary) return;
    if (!this.host.isLeader()) {
      this.demote();
      return;
    }
    this.revokeExpired();
    this.checkpointDue();
  }

  private perPass(perSecond: number): number {
    return Math.max(1, Math.floor((perSecond * this.passMs) / 1000));
  }

  private revokeExpired(): void {
    const budget = this.perPass(this.o.revokePerSecond ?? limits.leaseRevokePerSecond);
    // Still busy with earlier ones: what is expired now waits for the next pass.
    if (this.revokeQueue.length >= budget) return;
    this.revokeQueue.push(...this.core.expired(budget - this.revokeQueue.length));
    this.pumpRevokes();
  }

  private pumpRevokes(): void {
    while (this.revokesInFlight < limits.maxPendingLeaseRevokes && this.revokeQueue.length > 0) {
      if (!this.core.primary || !this.host.isLeader()) {
        this.revokeQueue.length = 0;
        return;
      }
      const id = this.revokeQueue.shift()!;
      if (!this.core.has(id)) continue;
      this.revokesInFlight++;
      this.host
        .propose({ leaseRevoke: { id } })
        .then(
          () => this.host.log.debug({ lease: id.toString(16) }, 'expired lease revoked'),
          (err: unknown) => {
            if (isEtcdError(err, 'LeaseNotFound')) return;
            const retryMs = this.o.revokeRetryMs ?? limits.leaseRevokeRetryMs;
            this.host.log.warn(
              { lease: id.toString(16), err, retryMs },
              'revoking an expired lease failed; will try again',
            );
          },
        )
        .finally(() => {
          this.revokesInFlight--;
          this.pumpRevokes();
        });
    }
  }

  private checkpointDue(): void {
    const entries = this.perPass(limits.leaseCheckpointEntriesPerSecond);
    for (let i = 0; i < entries; i++) {
      const checkpoints = this.core.dueCheckpoints(limits.maxLeaseCheckpointsPerEntry);
      if (checkpoints.length === 0) return;
      this.host.propose({ leaseCheckpoint: { checkpoints } }).catch((err: unknown) => {
        this.host.log.warn(
          { err, leases: checkpoints.length },
          'checkpointing lease TTLs failed; the next pass tries again',
        );
      });
      if (checkpoints.length < limits.maxLeaseCheckpointsPerEntry) return;
    }
  }

  // ---- requests served by the primary ---------------------------------------

  /**
   * Renews a lease if this member is the primary lessor. A lease past its
   * expiry is not renewed: the call waits until it is revoked ('not-found')
   * or this member is demoted ('not-primary'), as etcd's Renew does.
   */
  async renewHere(id: bigint, signal?: AbortSignal): Promise<LocalRenew> {
    const r = this.core.renew(id);
    if (r.kind === 'not-primary' || r.kind === 'not-found') return r;
    if (r.kind === 'expired') {
      const why = await this.gone.wait(id, signal);
      return why === 'revoked' ? { kind: 'not-found' } : { kind: 'not-primary' };
    }
    if (r.clearCheckpoint) {
      // Through Raft before the client hears of it (etcd waits too): a
      // leader elected after this answer must restart the lease from its
      // full TTL, not from the older checkpoint.
      try {
        await this.host.propose({ leaseCheckpoint: { checkpoints: [{ id, remainingTtl: 0 }] } });
      } catch (err) {
        this.host.log.debug({ err, lease: id.toString(16) }, 'clearing a lease checkpoint failed');
        return { kind: 'not-primary' };
      }
    }
    return { kind: 'renewed', ttl: r.ttl };
  }

  /** The remaining TTL as the primary measures it (etcd truncates to whole seconds). */
  timeToLiveHere(id: bigint, withKeys: boolean): LocalTimeToLive {
    if (!this.core.primary) return { kind: 'not-primary' };
    const l = this.core.lookup(id);
    if (l === undefined) return { kind: 'not-found' };
    return {
      kind: 'found',
      ttl: Math.trunc(l.remainingMs / 1000),
      grantedTtl: l.ttl,
      keys: withKeys ? this.host.mvcc.leaseKeys(id) : [],
    };
  }
}
