// Applies one membership change to a configuration: pure set arithmetic,
// shared by the leader's validation at proposal time and by every member
// when the entry is applied.

import { None, type NodeId } from '../types.js';
import { ConfChangeType, type ConfChange } from './conf-change.js';

export interface MemberSets {
  voters: ReadonlySet<NodeId>;
  learners: ReadonlySet<NodeId>;
}

export type ConfChangeOutcome =
  { ok: true; voters: Set<NodeId>; learners: Set<NodeId> } | { ok: false; error: string };

/**
 * The configuration after `cc`. Changes that would leave no voter are refused;
 * changes that change nothing (adding a voter twice, removing a stranger) are
 * accepted as no-ops, as etcd does.
 */
export function applyChange(current: MemberSets, cc: ConfChange): ConfChangeOutcome {
  if (cc.nodeId === None) return { ok: false, error: 'conf change for node id 0' };
  const voters = new Set(current.voters);
  const learners = new Set(current.learners);
  switch (cc.type) {
    case ConfChangeType.AddNode:
      learners.delete(cc.nodeId);
      voters.add(cc.nodeId);
      break;
    case ConfChangeType.AddLearnerNode:
      voters.delete(cc.nodeId);
      learners.add(cc.nodeId);
      break;
    case ConfChangeType.RemoveNode:
      voters.delete(cc.nodeId);
      learners.delete(cc.nodeId);
      break;
    case ConfChangeType.UpdateNode:
      break;
  }
  if (voters.size === 0) return { ok: false, error: 'conf change would remove every voter' };
  return { ok: true, voters, learners };
}
