// The leader's bookkeeping over the whole configuration: who votes, who
// learns, each member's Progress, and the votes of an election in progress.

import { committedIndex, voteResult, VoteResult } from '../quorum/majority.js';
import type { ConfState, Index, NodeId } from '../types.js';
import { Inflights } from './inflights.js';
import { Progress } from './progress.js';

export class ProgressTracker {
  readonly voters = new Set<NodeId>();
  readonly learners = new Set<NodeId>();
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(
    readonly maxInflightMessages: number,
    readonly maxInflightBytes: number,
  ) {}

  newProgress(match: Index, next: Index, isLearner: boolean): Progress {
    return new Progress(
      match,
      next,
      new Inflights(this.maxInflightMessages, this.maxInflightBytes),
      isLearner,
    );
  }

  confState(): ConfState {
    return {
      voters: [...this.voters].sort(compareIds),
      learners: [...this.learners].sort(compareIds),
    };
  }

  isSingleton(): boolean {
    return this.voters.size === 1;
  }

  /** The highest index replicated on a majority of voters. */
  committed(): Index {
    return committedIndex(this.voters, (id) => this.progress.get(id)?.match ?? 0);
  }

  /**
   * Whether a majority of voters was heard from recently; the leader itself
   * always counts as active (check quorum, §6.2).
   */
  quorumActive(self: NodeId): boolean {
    const active = new Map<NodeId, boolean>();
    for (const id of this.voters) {
      const pr = this.progress.get(id);
      active.set(id, id === self || (pr?.recentActive ?? false));
    }
    return voteResult(this.voters, active) === VoteResult.Won;
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records a vote (first answer wins) and tallies the election. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  /** The election's result so far, counting only voters. */
  voteResult(): VoteResult {
    return voteResult(this.voters, this.votes);
  }

  /** Voters sorted by id, for deterministic iteration. */
  sortedVoters(): NodeId[] {
    return [...this.voters].sort(compareIds);
  }
}

export function compareIds(a: NodeId, b: NodeId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
