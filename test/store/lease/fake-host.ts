// A replica as the lease machinery sees it (store/lease/host.ts), in memory:
// proposals are recorded and, unless told to fail, applied at once to a
// small lease table whose changes go to the subscribed listeners, as the
// replica's apply would report them.

import { pino } from 'pino';
import { etcdError } from '../../../store/errors.js';
import type { LeaseHost } from '../../../store/lease/host.js';
import type {
  Command,
  CommandResponse,
  Lease,
  LeaseChange,
  Member,
  MvccListener,
} from '../../../store/mvcc/index.js';

export class FakeHost implements LeaseHost {
  /** The leader this member knows of when it does not lead itself (0n: none). */
  otherLeader = 0n;
  /** The member table, for finding the leader's peer URLs. */
  membersList: Member[] = [];

  constructor(
    readonly memberId = 1n,
    readonly clusterId = 77n,
  ) {}

  readonly log = pino({ level: 'silent' });
  readonly proposals: Command[] = [];
  readonly leaseTable = new Map<bigint, Lease>();
  /** Proposals fail with this error while set. */
  failWith: Error | undefined;
  /** Proposals wait until released while set (see release()). */
  hold = false;
  private held: (() => void)[] = [];
  leading = false;
  appliedTermNow = 0;
  private readonly listeners = new Set<MvccListener>();
  private readonly leadershipFns = new Set<(leader: boolean) => void>();
  readonly node = { raft: { term: 1, raftLog: { committed: 0 } } };

  readonly mvcc = {
    lease: (id: bigint) => this.leaseTable.get(id),
    leases: () => [...this.leaseTable.values()],
    leaseKeys: () => [],
    appliedIndex: () => 0,
    appliedTerm: () => this.appliedTermNow,
    members: () => this.membersList,
    currentRevision: () => 1,
  };

  isLeader(): boolean {
    return this.leading;
  }

  leader(): bigint {
    return this.leading ? this.memberId : this.otherLeader;
  }

  subscribe(listener: MvccListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onLeadershipChange(fn: (leader: boolean) => void): () => void {
    this.leadershipFns.add(fn);
    return () => this.leadershipFns.delete(fn);
  }

  /** Becomes leader (of term `term`) or follower, telling the watchers. */
  setLeader(leading: boolean, term = this.node.raft.term): void {
    this.leading = leading;
    this.node.raft.term = term;
    for (const fn of this.leadershipFns) fn(leading);
  }

  /** A lease granted through "Raft". */
  grant(lease: Lease): void {
    this.leaseTable.set(lease.id, lease);
    this.emit([{ type: 'grant', lease }]);
  }

  release(): void {
    for (const go of this.held.splice(0)) go();
  }

  async propose(command: Command): Promise<CommandResponse> {
    this.proposals.push(command);
    if (this.hold) await new Promise<void>((r) => this.held.push(r));
    if (this.failWith) throw this.failWith;
    if ('leaseRevoke' in command) {
      const id = command.leaseRevoke.id;
      if (!this.leaseTable.delete(id)) throw etcdError('LeaseNotFound');
      this.emit([{ type: 'revoke', id }]);
      return { leaseRevoke: { revision: 1 } };
    }
    if ('leaseCheckpoint' in command) {
      const changes: LeaseChange[] = [];
      for (const cp of command.leaseCheckpoint.checkpoints) {
        const l = this.leaseTable.get(cp.id);
        if (!l) continue;
        const next = { ...l, remainingTtl: cp.remainingTtl };
        this.leaseTable.set(cp.id, next);
        changes.push({ type: 'checkpoint', lease: next });
      }
      this.emit(changes);
      return { leaseCheckpoint: { revision: 1 } };
    }
    throw new Error(`unexpected proposal ${Object.keys(command).join()}`);
  }

  private emit(changes: LeaseChange[]): void {
    for (const l of this.listeners) l.onLeases?.(changes);
  }

  revokesProposed(): bigint[] {
    return this.proposals.flatMap((c) => ('leaseRevoke' in c ? [c.leaseRevoke.id] : []));
  }

  checkpointsProposed(): { id: bigint; remainingTtl: number }[] {
    return this.proposals.flatMap((c) =>
      'leaseCheckpoint' in c ? c.leaseCheckpoint.checkpoints : [],
    );
  }
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
