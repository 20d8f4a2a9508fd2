// Every limit of the replicated store, with its unit in its name. Defaults
// follow etcd 3.4 where etcd has the same knob. Modules with limits of their
// own (store/raft/config.ts for the consensus core) keep them next to the
// code and reference them here.

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const limits = {
  /** Largest request a client may send (etcd --max-request-bytes). */
  maxRequestBytes: 1.5 * MiB,
  /** gRPC frames may exceed maxRequestBytes by this much (etcd's grpcOverheadBytes). */
  grpcOverheadBytes: 512 * KiB,
  /** Operations in one Txn, counting both branches' top level (etcd --max-txn-ops). */
  maxTxnOps: 128,
  /** Backend size past which writes are refused with NOSPACE (etcd --quota-backend-bytes). */
  quotaBackendBytes: 2 * GiB,
  /** Applied entries between two raft snapshots (etcd --snapshot-count). */
  snapshotCountEntries: 10_000,
  /** Entries kept behind a snapshot so slow followers catch up without one. */
  snapshotCatchUpEntries: 5_000,
  /** Leader heartbeat period (etcd --heartbeat-interval). */
  heartbeatIntervalMs: 100,
  /** Election timeout (etcd --election-timeout). */
  electionTimeoutMs: 1000,
  /** Learners allowed at once (etcd 3.4 allows one). */
  maxLearners: 1,
  /**
   * A membership change needs the peers it relies on connected for this
   * long (etcd's HealthInterval, with --strict-reconfig-check).
   */
  reconfigHealthIntervalMs: 5000,
  /** A learner is promotable once its match index is within this fraction of the leader's. */
  learnerReadyFraction: 0.9,
  /** Size of one snapshot chunk on the peer wire. */
  snapshotChunkBytes: 1 * MiB,
  /** Longest TTL a lease may be granted (etcd's lease.MaxLeaseTTL). */
  maxLeaseTtlSeconds: 9_000_000_000,
  /** How often the leader checkpoints remaining lease TTLs through Raft (etcd: 5 min). */
  leaseCheckpointIntervalMs: 5 * 60 * 1000,
  /** Leases revoked per second at most when many expire at once (etcd's leaseRevokeRate). */
  leaseRevokePerSecond: 1000,
  /** How often the leader looks for expired leases and due checkpoints (etcd's lessor loop: 500 ms). */
  lessorPassMs: 500,
  /** When the leader tries again to revoke an expired lease that is still there (etcd: 3 s). */
  leaseRevokeRetryMs: 3000,
  /** Revoke proposals of expired leases in flight at once (etcd's maxPendingRevokes). */
  maxPendingLeaseRevokes: 16,
  /** Lease checkpoints carried by one Raft entry (etcd's maxLeaseCheckpointBatchSize). */
  maxLeaseCheckpointsPerEntry: 1000,
  /** Checkpoint entries the leader proposes per second at most (etcd's leaseCheckpointRate). */
  leaseCheckpointEntriesPerSecond: 1000,
  /** Pause between two attempts to forward a lease request to the leader (etcd: 50 ms). */
  leaseForwardRetryMs: 50,
  /** How long the leader waits to apply what it committed before it answers a forwarded lease request (etcd: 1 s). */
  leaseForwardApplyWaitMs: 1000,
} as const;

/**
 * The shortest TTL a lease gets (etcd's minLeaseTTL): 1.5 election timeouts,
 * rounded up to whole seconds, so a lease outlives a leader election.
 */
export function minLeaseTtlSeconds(electionTimeoutMs: number): number {
  return Math.ceil((3 * electionTimeoutMs) / 2 / 1000);
}

/**
 * How long a proposal may wait for its result before the client gets
 * "request timed out": etcd's 5 s plus two election timeouts.
 */
export function requestTimeoutMs(electionTimeoutMs: number): number {
  return 5000 + 2 * electionTimeoutMs;
}

// Relationships that must hold for the defaults.
if (limits.electionTimeoutMs < 5 * limits.heartbeatIntervalMs) {
  throw new Error('limits: the election timeout must be at least 5 heartbeat intervals');
}
if (limits.snapshotCatchUpEntries >= limits.snapshotCountEntries) {
  throw new Error('limits: the catch-up tail must be shorter than the snapshot interval');
}
