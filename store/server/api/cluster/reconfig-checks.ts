// etcd's strict reconfiguration checks (--strict-reconfig-check, on by
// default in 3.4): a membership change that would leave the cluster without
// an active quorum is refused before it is proposed.
//
// - "not enough started members" (MemberNotEnoughStarted): counting only
//   members that have started (published their name), the configuration
//   after the change would have no quorum.
// - "unhealthy cluster" (Unhealthy): this member has not been connected to
//   the voters it would need for the past health interval (etcd's
//   HealthInterval, 5 s). Adding a voter needs every voter connected;
//   removing one needs a quorum of the rest connected, unless the member
//   removed is down already.
//
// Connection ages come from the peer transport (Transport.activeSinceMs).

import { etcdError } from '../../../errors.js';
import { limits } from '../../../limits.js';
import type { Member } from '../../../mvcc/index.js';
import type { ApiContext } from '../context.js';

const started = (m: Member): boolean => m.name !== '';
const quorum = (n: number): number => Math.floor(n / 2) + 1;

function connectedSince(ctx: ApiContext, id: bigint, sinceMs: number): boolean {
  if (id === ctx.memberId) return true;
  const t = ctx.peerActiveSinceMs(id);
  return t !== undefined && t <= sinceMs;
}

function healthSince(): number {
  return Date.now() - limits.reconfigHealthIntervalMs;
}

export function mayAddMember(ctx: ApiContext, isLearner: boolean): void {
  if (isLearner) return;
  const voters = ctx.mvcc.members().filter((m) => !m.isLearner);
  const members = voters.length + 1;
  const up = voters.filter(started).length;
  // Adding a second member to a single one (restoring from a backup) is allowed.
  const restoring = up === 1 && members === 2;
  if (!restoring && up < quorum(members)) throw etcdError('MemberNotEnoughStarted');
  const since = healthSince();
  if (!voters.every((m) => connectedSince(ctx, m.id, since))) throw etcdError('Unhealthy');
}

export function mayRemoveMember(ctx: ApiContext, id: bigint): void {
  const all = ctx.mvcc.members();
  const target = all.find((m) => m.id === id);
  if (target?.isLearner) return;
  const voters = all.filter((m) => !m.isLearner);
  const rest = voters.filter((m) => m.id !== id);
  if (rest.filter(started).length < quorum(rest.length)) {
    throw etcdError('MemberNotEnoughStarted');
  }
  // A member that is down is not part of the active quorum: removing it is safe.
  if (id !== ctx.memberId && ctx.peerActiveSinceMs(id) === undefined) return;
  const since = healthSince();
  const active = voters.filter((m) => connectedSince(ctx, m.id, since)).length;
  if (active - 1 < quorum(voters.length - 1)) throw etcdError('Unhealthy');
}

export function mayPromoteMember(ctx: ApiContext, id: bigint): void {
  const all = ctx.mvcc.members();
  const voters = all.filter((m) => !m.isLearner);
  const learner = all.find((m) => m.id === id);
  const members = voters.length + 1;
  const up = voters.filter(started).length + (learner && started(learner) ? 1 : 0);
  if (up < quorum(members)) throw etcdError('MemberNotEnoughStarted');
}
