// The Cluster service (one file per RPC).

import type { ClusterHandlers } from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { learnerGuarded } from '../learner-guard.js';
import { memberAdd } from './member-add.js';
import { memberList } from './member-list.js';
import { memberPromote } from './member-promote.js';
import { memberRemove } from './member-remove.js';
import { memberUpdate } from './member-update.js';

export function clusterService(ctx: ApiContext): ClusterHandlers {
  return learnerGuarded(ctx, {
    MemberAdd: memberAdd(ctx),
    MemberRemove: memberRemove(ctx),
    MemberUpdate: memberUpdate(ctx),
    MemberList: memberList(ctx),
    MemberPromote: memberPromote(ctx),
  });
}
