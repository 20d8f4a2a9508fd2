// The timing half of etcd's lessor (lease/lessor.go), as a deterministic
// object: no timers, no I/O, time from an injected Clock. It mirrors the
// replicated lease table (store/mvcc/lease-table.ts) on every member and,
// on the leader only — the "primary" — tracks when each lease expires.
//
// What it decides, it only reports: which leases are expired (the caller
// proposes their revokes through Raft) and which remaining TTLs are due to
// be checkpointed (the caller proposes them). Nothing here changes the
// replicated state; the mirror follows it through apply().
//
// Invariants:
// - not primary ⇒ every expiry is Infinity (etcd's "forever") and both
//   queues are empty: a follower never expires anything;
// - primary ⇒ every lease has exactly one entry in `expiries`, at its
//   expiry or, once handed out for revoking, at its next retry;
// - an expired lease is never renewed: renew() answers 'expired' and the
//   caller waits for the revoke (or a demotion), as etcd's Renew does, so
//   a keepalive cannot succeed for a lease the leader decided to revoke.

import type { Lease, LeaseChange, LeaseCheckpoint } from '../mvcc/index.js';
import type { Clock } from './clock.js';
import { spreadExpiries } from './spread.js';
import { TimeQueue } from './time-queue.js';

export interface LessorOptions {
  clock: Clock;
  /** How often a long lease's remaining TTL is checkpointed through Raft. */
  checkpointIntervalMs: number;
  /** After handing out an expired lease, when to hand it out again if it still exists. */
  revokeRetryMs: number;
  /** Used to spread piled-up expiries on promotion (spread.ts). */
  revokePerSecond: number;
}

interface Held {
  readonly id: bigint;
  readonly ttl: number;
  remainingTtl: number;
  /** When the lease expires on this primary; Infinity when not primary. */
  expiryMs: number;
}

export type RenewOutcome =
  | { kind: 'renewed'; ttl: number; clearCheckpoint: boolean }
  | { kind: 'not-primary' }
  | { kind: 'not-found' }
  /** Past its expiry: the caller waits until it is revoked or this member is demoted. */
  | { kind: 'expired' };

export interface LeaseView {
  readonly id: bigint;
  /** Seconds, as granted. */
  readonly ttl: number;
  readonly remainingTtl: number;
  /** Until expiry; Infinity when this member is not the primary. */
  readonly remainingMs: number;
}

/** The TTL a lease restarts from when a leader takes it over: the checkpoint, else the grant. */
export function restartTtlSeconds(l: { ttl: number; remainingTtl: number }): number {
  return l.remainingTtl > 0 ? l.remainingTtl : l.ttl;
}

export class Lessor {
  private readonly leases = new Map<bigint, Held>();
  private primaryNow = false;
  private readonly expiries = new TimeQueue();
  private readonly checkpoints = new TimeQueue();

  constructor(
    private readonly o: LessorOptions,
    leases: readonly Lease[] = [],
  ) {
    if (!(o.checkpointIntervalMs > 0) || !(o.revokeRetryMs > 0) || !(o.revokePerSecond > 0)) {
      throw new RangeError('lessor: intervals and rates must be positive');
    }
    this.reset(leases);
  }

  get primary(): boolean {
    return this.primaryNow;
  }

  get size(): number {
    return this.leases.size;
  }

  has(id: bigint): boolean {
    return this.leases.has(id);
  }

  private now(): number {
    return this.o.clock.nowMs();
  }

  // ---- the mirror (every member) --------------------------------------------

  /** Replaces the mirror (at start, or after a snapshot install). */
  reset(leases: readonly Lease[]): void {
    this.leases.clear();
    this.expiries.clear();
    this.checkpoints.clear();
    for (const l of leases) this.add(l);
  }

  /** Follows what an apply changed. */
  apply(changes: readonly LeaseChange[]): void {
    for (const c of changes) {
      if (c.type === 'grant') this.add(c.lease);
      else if (c.type === 'revoke') this.remove(c.id);
      else {
        const l = this.leases.get(c.lease.id);
        if (l === undefined) continue;
        // Only the remaining TTL changes; the expiry is the primary's own
        // (etcd: "Promote is responsible for applying this to lease expiry").
        l.remainingTtl = c.lease.remainingTtl;
        this.scheduleCheckpoint(l);
      }
    }
  }

  private add(lease: Lease): void {
    const l: Held = {
      id: lease.id,
      ttl: lease.ttl,
      remainingTtl: lease.remainingTtl,
      expiryMs: Infinity,
    };
    this.leases.set(l.id, l);
    if (!this.primaryNow) return;
    this.setExpiry(l, this.now() + restartTtlSeconds(l) * 1000);
    this.scheduleCheckpoint(l);
  }

  private remove(id: bigint): void {
    this.leases.delete(id);
    this.expiries.delete(id);
    this.checkpoints.delete(id);
  }

  // ---- leadership -----------------------------------------------------------

  /**
   * Becomes the primary: every lease restarts from its checkpointed
   * remaining TTL (else its TTL) plus `extendMs` — one election timeout in
   * etcd, so that no lease expires because the leader changed — and piled-up
   * expiries are spread out.
   */
  promote(extendMs: number): void {
    this.primaryNow = true;
    const now = this.now();
    for (const l of this.leases.values()) l.expiryMs = now + extendMs + restartTtlSeconds(l) * 1000;
    const moved = spreadExpiries(
      [...this.leases.values()].map((l) => ({ id: l.id, atMs: l.expiryMs })),
      this.o.revokePerSecond,
    );
    for (const [id, atMs] of moved) this.leases.get(id)!.expiryMs = atMs;
    for (const l of this.leases.values()) {
      this.expiries.set(l.id, l.expiryMs);
      this.scheduleCheckpoint(l);
    }
  }

  /** Stops being the primary: nothing expires here any more. */
  demote(): void {
    this.primaryNow = false;
    for (const l of this.leases.values()) l.expiryMs = Infinity;
    this.expiries.clear();
    this.checkpoints.clear();
  }

  // ---- the primary's work ---------------------------------------------------

  /**
   * Keeps a lease alive for another TTL from now. `clearCheckpoint`: the
   * lease carries a checkpointed remaining TTL that the caller must reset
   * to 0 through Raft before answering — otherwise a new leader would
   * restart the lease from that stale, shorter value.
   */
  renew(id: bigint): RenewOutcome {
    if (!this.primaryNow) return { kind: 'not-primary' };
    const l = this.leases.get(id);
    if (l === undefined) return { kind: 'not-found' };
    const now = this.now();
    if (now >= l.expiryMs) return { kind: 'expired' };
    this.setExpiry(l, now + l.ttl * 1000);
    return { kind: 'renewed', ttl: l.ttl, clearCheckpoint: l.remainingTtl > 0 };
  }

  /**
   * Up to `limit` expired leases to revoke, soonest first. Each is handed out
   * again after revokeRetryMs if it still exists then (its revoke failed).
   */
  expired(limit: number): bigint[] {
    const out: bigint[] = [];
    if (!this.primaryNow) return out;
    const now = this.now();
    while (out.length < limit) {
      const due = this.expiries.popDue(now);
      if (due === undefined) break;
      const l = this.leases.get(due.id);
      if (l === undefined) continue;
      if (now < l.expiryMs) {
        this.expiries.set(l.id, l.expiryMs);
        continue;
      }
      out.push(l.id);
      this.expiries.set(l.id, now + this.o.revokeRetryMs);
    }
    return out;
  }

  /**
   * Up to `limit` remaining TTLs due to be recorded through Raft. A lease
   * is checkpointed every interval while it has more than an interval to
   * live (etcd's rule: shorter leases restart from their full TTL after a
   * leader change, which costs at most one interval); one renewed since
   * its last checkpoint has nothing new to record and is only rescheduled.
   */
  dueCheckpoints(limit: number): LeaseCheckpoint[] {
    const out: LeaseCheckpoint[] = [];
    if (!this.primaryNow) return out;
    const now = this.now();
    while (out.length < limit) {
      const due = this.checkpoints.popDue(now);
      if (due === undefined) break;
      const l = this.leases.get(due.id);
      if (l === undefined || now >= l.expiryMs) continue;
      const remaining = Math.ceil((l.expiryMs - now) / 1000);
      if (remaining < l.ttl && remaining !== l.remainingTtl) {
        out.push({ id: l.id, remainingTtl: remaining });
      }
      if (remaining * 1000 > this.o.checkpointIntervalMs) {
        this.checkpoints.set(l.id, now + this.o.checkpointIntervalMs);
      }
    }
    return out;
  }

  private scheduleCheckpoint(l: Held): void {
    if (!this.primaryNow) return;
    if (restartTtlSeconds(l) * 1000 > this.o.checkpointIntervalMs) {
      this.checkpoints.set(l.id, this.now() + this.o.checkpointIntervalMs);
    }
  }

  private setExpiry(l: Held, atMs: number): void {
    l.expiryMs = atMs;
    this.expiries.set(l.id, atMs);
  }

  // ---- reads ----------------------------------------------------------------

  lookup(id: bigint): LeaseView | undefined {
    const l = this.leases.get(id);
    return l === undefined ? undefined : this.view(l, this.now());
  }

  /** Every lease, soonest expiry first (as etcd lists them), ties by id. */
  list(): LeaseView[] {
    const now = this.now();
    return [...this.leases.values()]
      .sort((a, b) => a.expiryMs - b.expiryMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((l) => this.view(l, now));
  }

  private view(l: Held, now: number): LeaseView {
    return { id: l.id, ttl: l.ttl, remainingTtl: l.remainingTtl, remainingMs: l.expiryMs - now };
  }
}
