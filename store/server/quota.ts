// The space quota (etcd --quota-backend-bytes): a write that would grow the
// database past the quota is refused before it is proposed, and the member
// that refused it raises the NOSPACE alarm through Raft. From then on every
// member's state machine refuses puts and lease grants (store/mvcc) until an
// operator frees space (compaction, defragmentation) and disarms the alarm.
//
// As etcd's backendQuota and quotaAlarmer (etcdserver/quota.go,
// api/v3rpc/quota.go):
// - the cost of a request is an estimate of what it adds: key + value +
//   256 bytes of metadata per put; for a Txn, the larger of its two
//   branches, counting their top-level puts only; 64 bytes for a lease;
// - a request that costs nothing (a read-only or delete-only Txn) always
//   passes; anything else passes while size + cost < quota;
// - the check comes before the request is validated (a full database
//   answers NoSpace even to a put with an empty key);
// - the alarm is raised and its apply awaited before NoSpace is answered,
//   so `alarm list` shows it right after the refusal. Unlike etcd, a member
//   whose alarm is already active, or being raised, does not propose it
//   again: a client retrying a refused write must not flood Raft.
//
// Who calls it: the KV service (Put, Txn) and the Lease service (LeaseGrant)
// — through checkQuota(ctx, costBytes).

import { etcdError } from '../errors.js';
import type {
  AlarmMember,
  Command,
  CommandResponse,
  PutRequest,
  RequestOp,
  TxnRequest,
} from '../mvcc/index.js';
import { DbSizeCache } from './db-size.js';
import type { Logger } from './logger.js';

/** etcd's kvOverhead: the metadata a put stores besides its key and value. */
export const putOverheadBytes = 256;
/** etcd's leaseOverhead: what granting a lease costs (pass it to checkQuota). */
export const leaseGrantCostBytes = 64;
/** etcd's MaxQuotaBytes: a larger quota works but degrades performance, so it is warned about. */
export const maxRecommendedQuotaBytes = 8 * 1024 * 1024 * 1024;
/** How old the measured database size may be before a request has it measured again. */
export const dbSizeMaxAgeMs = 250;

/** What a put adds to the database, as etcd estimates it. */
export function putCost(p: Pick<PutRequest, 'key' | 'value'>): number {
  return putOverheadBytes + p.key.length + p.value.length;
}

/**
 * What a Txn adds: the larger branch, counting top-level puts only (etcd's
 * costTxn; a put inside a nested Txn costs nothing there either).
 */
export function txnCost(t: TxnRequest): number {
  const branch = (ops: readonly RequestOp[] | undefined): number =>
    (ops ?? []).reduce((sum, op) => sum + ('put' in op ? putCost(op.put) : 0), 0);
  return Math.max(branch(t.success), branch(t.failure));
}

export interface BackendQuotaOptions {
  /** etcd --quota-backend-bytes (0 already replaced by the default in config). */
  quotaBytes: number;
  memberId: bigint;
  /** Measures the state's database on disk. */
  readSizeBytes: () => Promise<number>;
  /** The alarms active in this member's state. */
  alarms: () => readonly AlarmMember[];
  propose: (command: Command) => Promise<CommandResponse>;
  log: Logger;
  nowMs?: () => number;
}

export class BackendQuota {
  readonly quotaBytes: number;
  readonly size: DbSizeCache;
  private raising: Promise<void> | undefined;

  constructor(private readonly o: BackendQuotaOptions) {
    this.quotaBytes = o.quotaBytes;
    this.size = new DbSizeCache({
      readBytes: o.readSizeBytes,
      maxAgeMs: dbSizeMaxAgeMs,
      ...(o.nowMs !== undefined ? { nowMs: o.nowMs } : {}),
    });
    if (o.quotaBytes > maxRecommendedQuotaBytes) {
      o.log.warn(
        { quotaBytes: o.quotaBytes, maximumBytes: maxRecommendedQuotaBytes },
        'quota exceeds the maximum value',
      );
    }
  }

  /** etcd's backendQuota.Available: whether a request of this cost fits. */
  async available(costBytes: number): Promise<boolean> {
    if (costBytes === 0) return true;
    return (await this.size.currentBytes()) + costBytes < this.quotaBytes;
  }

  /**
   * Refuses (EtcdError NoSpace) a request that does not fit, after raising
   * this member's NOSPACE alarm.
   */
  async check(costBytes: number): Promise<void> {
    if (await this.available(costBytes)) return;
    await this.raiseNoSpace(costBytes);
    throw etcdError('NoSpace');
  }

  /** Proposes this member's NOSPACE alarm unless it is active or on its way; waits for it. */
  private raiseNoSpace(costBytes: number): Promise<void> {
    const mine = (a: AlarmMember): boolean =>
      a.memberId === this.o.memberId && a.alarm === 'nospace';
    if (this.o.alarms().some(mine)) return Promise.resolve();
    this.raising ??= (async () => {
      this.o.log.warn(
        { quotaBytes: this.quotaBytes, costBytes },
        'database space exceeded; raising the NOSPACE alarm',
      );
      try {
        await this.o.propose({
          alarm: { action: 'activate', memberId: this.o.memberId, alarm: 'nospace' },
        });
      } catch (err) {
        // As etcd: the request is refused whether or not the alarm got through.
        this.o.log.warn({ err }, 'raising the NOSPACE alarm failed');
      } finally {
        this.raising = undefined;
      }
    })();
    return this.raising;
  }
}

/**
 * Refuses, with etcd's NoSpace error, a write request whose cost does not
 * fit in the space quota (and raises the NOSPACE alarm). Call it before
 * proposing: `await checkQuota(ctx, putCost(p))`, `txnCost(t)`, or
 * `leaseGrantCostBytes` for a LeaseGrant.
 */
export function checkQuota(
  ctx: { readonly quota: BackendQuota },
  costBytes: number,
): Promise<void> {
  return ctx.quota.check(costBytes);
}
