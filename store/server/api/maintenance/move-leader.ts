// Maintenance.MoveLeader: only the leader moves leadership (etcd answers
// "not leader" elsewhere); the answer comes once the target leads, or with
// etcd's timeout error if it did not within the request timeout. The
// answer is empty, as etcd's (no header).

import { etcdError } from '../../../errors.js';
import { requestTimeoutMs } from '../../../limits.js';
import type * as w from '../../grpc/wire-types.js';
import { idIn } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';

export function moveLeader(ctx: ApiContext) {
  return unary<w.MoveLeaderRequest<'in'>, w.MoveLeaderResponse<'out'>>(
    ctx.log,
    'MoveLeader',
    async (req) => {
      if (!ctx.isLeader()) throw etcdError('NotLeader');
      const target = idIn(req.targetID);
      const member = ctx.mvcc.members().find((m) => m.id === target);
      if (!member || member.isLearner) throw etcdError('BadLeaderTransferee');
      if (target !== ctx.memberId) {
        ctx.node.transferLeader(target);
        const deadline = Date.now() + requestTimeoutMs(ctx.cfg.electionTimeoutMs);
        while (ctx.leader() !== target) {
          if (Date.now() > deadline) throw etcdError('TimeoutLeaderTransfer');
          await new Promise((r) => setTimeout(r, ctx.cfg.heartbeatIntervalMs));
        }
      }
      return {};
    },
  );
}
