// What the lease machinery needs from the replica it runs in. The Replica
// (store/server/replica.ts) is one; tests pass a small fake. Kept narrow so
// that store/lease depends on the replica's surface, not on its code.

import type { Command, CommandResponse, Member, MvccListener, MvccStore } from '../mvcc/index.js';
import type { Logger } from '../server/logger.js';

export type LeaseMvcc = Pick<
  MvccStore,
  'lease' | 'leases' | 'leaseKeys' | 'appliedIndex' | 'appliedTerm' | 'members' | 'currentRevision'
>;

export interface LeaseHost {
  readonly memberId: bigint;
  readonly clusterId: bigint;
  readonly log: Logger;
  /** The current state (a snapshot install replaces it). */
  readonly mvcc: LeaseMvcc;
  /** The Raft core's term and commit index (a subset of RawNode). */
  readonly node: {
    readonly raft: { readonly term: number; readonly raftLog: { committed: number } };
  };
  isLeader(): boolean;
  /** The leader's member id as this member knows it; 0n when there is none. */
  leader(): bigint;
  propose(command: Command): Promise<CommandResponse>;
  subscribe(listener: MvccListener): () => void;
  onLeadershipChange(fn: (leader: boolean) => void): () => void;
}

export type { Member };
