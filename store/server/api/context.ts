// What the API handlers need from the replica, as an interface: handlers
// are tested against it without a whole replica.

import type { ConfChangeType, NodeId, RawNode } from '../../raft/index.js';
import type {
  Command,
  CommandResponse,
  Member,
  MvccListener,
  MvccStore,
} from '../../mvcc/index.js';
import type { LeaseRequests } from '../../lease/index.js';
import type { ReplicaConfig } from '../config.js';
import type * as w from '../grpc/wire-types.js';
import type { Logger } from '../logger.js';
import type { BackendQuota } from '../quota.js';

export interface ApiContext {
  readonly cfg: ReplicaConfig;
  readonly log: Logger;
  readonly memberId: bigint;
  readonly clusterId: bigint;
  readonly mvcc: MvccStore;
  readonly node: RawNode;
  header(revision: number): w.ResponseHeader<'out'>;
  isLeader(): boolean;
  leader(): NodeId;
  propose(command: Command): Promise<CommandResponse>;
  proposeMemberChange(type: ConfChangeType, member: Member): Promise<Member[]>;
  readBarrier(): Promise<void>;
  dbSizeBytes(): Promise<number>;
  /** Lease renewals and remaining TTLs, answered by the leader's lessor (store/lease). */
  readonly leases: LeaseRequests;
  /** The space quota: checkQuota(ctx, cost) before proposing a write that grows the database. */
  readonly quota: BackendQuota;
  /**
   * Hears what every apply changed (events, lease changes, snapshot
   * installs) from now on, whichever MvccStore instance is current.
   * Returns the unsubscribe function.
   */
  subscribe(listener: MvccListener): () => void;
  /** Date.now() since which the connection to peer `id` is up; undefined while it is down. */
  peerActiveSinceMs(id: bigint): number | undefined;
  /** Called with true when this member becomes Raft leader, false when it stops being it. */
  onLeadershipChange(fn: (leader: boolean) => void): () => void;
}
