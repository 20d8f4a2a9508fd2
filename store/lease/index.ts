// The public surface of store/lease: the timing half of etcd's lessor and
// the lease requests only a leader can answer. The replicated half (which
// leases exist, their keys) is in store/mvcc/lease-table.ts.

import { requestTimeoutMs } from '../limits.js';
import type { LeaseHost } from './host.js';
import { LeaseRequests } from './lease-requests.js';
import { ReplicaLessor } from './replica-lessor.js';
import type { Clock } from './clock.js';

export { ManualClock, systemClock, type Clock } from './clock.js';
export { registerLeaseForwarding, type ForwardedLeases } from './forward-server.js';
export type { LeaseHost, LeaseMvcc } from './host.js';
export { LeaseRequests, type LeaseRequestOptions, type TimeToLive } from './lease-requests.js';
export { Lessor, restartTtlSeconds, type LeaseView, type RenewOutcome } from './lessor.js';
export {
  ReplicaLessor,
  type LocalRenew,
  type LocalTimeToLive,
  type ReplicaLessorOptions,
} from './replica-lessor.js';

export interface LeaseTiming {
  electionTimeoutMs: number;
  heartbeatIntervalMs: number;
  leaseCheckpointIntervalMs: number;
}

/** The lessor and lease requests of one replica, with its timing (not started). */
export function replicaLeases(host: LeaseHost, t: LeaseTiming, clock?: Clock): LeaseRequests {
  const lessor = new ReplicaLessor(host, {
    electionTimeoutMs: t.electionTimeoutMs,
    heartbeatIntervalMs: t.heartbeatIntervalMs,
    checkpointIntervalMs: t.leaseCheckpointIntervalMs,
    ...(clock !== undefined ? { clock } : {}),
  });
  return new LeaseRequests(host, lessor, {
    electionTimeoutMs: t.electionTimeoutMs,
    heartbeatIntervalMs: t.heartbeatIntervalMs,
    requestTimeoutMs: requestTimeoutMs(t.electionTimeoutMs),
  });
}
