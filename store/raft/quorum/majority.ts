// Majority quorums (§5.2, §5.3): the arithmetic behind elections, commit and
// check-quorum, over one set of voters.

import type { Index, NodeId } from '../types.js';

export enum VoteResult {
  Pending = 'pending',
  Lost = 'lost',
  Won = 'won',
}

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The highest index acknowledged by a majority: sort the voters' match indexes
 * descending and take the quorum-th. An empty voter set commits nothing.
 */
export function committedIndex(voters: ReadonlySet<NodeId>, matchOf: (id: NodeId) => Index): Index {
  const n = voters.size;
  if (n === 0) return 0;
  if (n === 1) {
    for (const id of voters) return matchOf(id);
  }
  const matches: Index[] = [];
  for (const id of voters) matches.push(matchOf(id));
  matches.sort((a, b) => b - a);
  return matches[quorumSize(n) - 1]!;
}

/** Won once a majority granted, lost once a majority can no longer grant. */
export function voteResult(
  voters: ReadonlySet<NodeId>,
  votes: ReadonlyMap<NodeId, boolean>,
): VoteResult {
  if (voters.size === 0) return VoteResult.Won;
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const q = quorumSize(voters.size);
  if (granted >= q) return VoteResult.Won;
  if (voters.size - rejected < q) return VoteResult.Lost;
  return VoteResult.Pending;
}
