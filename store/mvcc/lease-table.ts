// The replicated half of etcd's lessor: which leases exist, the TTL each was
// granted with, its last checkpointed remaining TTL, and which keys are
// attached to it. Everything here changes only by applying committed
// entries, so every member holds the same table; *when* a lease expires is
// decided outside the state machine by the leader (store/lease), which then
// proposes a revoke like any client would.
//
// Attachments are derived from the events of committed write transactions
// (a put attaches its lease and detaches the one it replaced, a delete
// detaches), so a rolled-back transaction never touches them.
//
// Stored as one record per lease under 'l/' + id (keys.ts); attachments are
// not stored: at open they are rebuilt from the live keys.

import { decodeRecord, encodeRecord } from '../backend/codec.js';
import type { Backend, BatchOp } from './backend.js';
import { MvccCorruptionError } from './errors.js';
import { leaseKey, leaseRange, toIndexKey } from './keys.js';
import type { LeaseLookup } from './leases.js';
import type { MvccEvent } from './types.js';

export interface Lease {
  /** Never 0. */
  readonly id: bigint;
  /** Seconds, as granted (after the server raised it to the minimum). */
  readonly ttl: number;
  /**
   * Seconds left at the last checkpoint, 0 when never checkpointed (or
   * renewed since): a new leader restarts the lease from this, not from
   * `ttl`, so a long lease does not live longer for every election.
   */
  readonly remainingTtl: number;
}

export interface LeaseCheckpoint {
  id: bigint;
  remainingTtl: number;
}

/** What a lease-related apply changed, for the leader's expiry timers. */
export type LeaseChange =
  | { type: 'grant'; lease: Lease }
  | { type: 'revoke'; id: bigint }
  | { type: 'checkpoint'; lease: Lease };

export class LeaseTable implements LeaseLookup {
  private readonly leases = new Map<bigint, Lease>();
  /** Lease id → index keys (latin1) of the live keys attached to it. */
  private readonly attached = new Map<bigint, Set<string>>();

  has(id: bigint): boolean {
    return this.leases.has(id);
  }

  get(id: bigint): Lease | undefined {
    return this.leases.get(id);
  }

  /** Every lease, ordered by id. */
  list(): Lease[] {
    return [...this.leases.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  get size(): number {
    return this.leases.size;
  }

  /** The index keys attached to `id`, in key order. */
  keysOf(id: bigint): string[] {
    return [...(this.attached.get(id) ?? [])].sort();
  }

  put(lease: Lease, ops: BatchOp[]): void {
    this.leases.set(lease.id, lease);
    ops.push({ type: 'put', key: leaseKey(lease.id), value: encodeRecord(lease) });
  }

  remove(id: bigint, ops: BatchOp[]): void {
    this.leases.delete(id);
    this.attached.delete(id);
    ops.push({ type: 'del', key: leaseKey(id) });
  }

  /** Follows the attachments through one committed revision's events. */
  follow(events: readonly MvccEvent[]): void {
    for (const e of events) {
      const before = e.prevKv?.lease ?? 0n;
      const after = e.type === 'put' ? e.kv.lease : 0n;
      if (before === after) continue;
      const ik = toIndexKey(e.kv.key);
      if (before !== 0n) this.attached.get(before)?.delete(ik);
      if (after !== 0n && this.leases.has(after)) {
        let set = this.attached.get(after);
        if (set === undefined) this.attached.set(after, (set = new Set()));
        set.add(ik);
      }
    }
  }

  /** At open: attaches a live key found in the index. */
  attach(id: bigint, key: Uint8Array): void {
    if (!this.leases.has(id)) return;
    let set = this.attached.get(id);
    if (set === undefined) this.attached.set(id, (set = new Set()));
    set.add(toIndexKey(key));
  }

  /** Reads every lease record of `backend`. */
  static async load(backend: Backend): Promise<LeaseTable> {
    const table = new LeaseTable();
    for await (const batch of backend.iterate(leaseRange)) {
      for (const [, value] of batch) {
        const lease = decodeRecord<Lease>(value);
        if (
          typeof lease !== 'object' ||
          lease === null ||
          typeof lease.id !== 'bigint' ||
          lease.id === 0n ||
          !Number.isSafeInteger(lease.ttl) ||
          !Number.isSafeInteger(lease.remainingTtl)
        ) {
          throw new MvccCorruptionError('mvcc: damaged lease record');
        }
        table.leases.set(lease.id, {
          id: lease.id,
          ttl: lease.ttl,
          remainingTtl: lease.remainingTtl,
        });
      }
    }
    return table;
  }
}
