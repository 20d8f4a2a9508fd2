// Maintenance.Status. `version` is the etcd release whose API capstan
// speaks: clients read it to decide which features they may use. `errors`
// says, as etcd's: "no leader" when this member knows none, then every
// active alarm in etcd's text form (alarm-text.ts).

import { etcdErrors } from '../../../errors.js';
import type * as w from '../../grpc/wire-types.js';
import { idOut } from '../../wire.js';
import { alarmTypeOf } from './alarm.js';
import { alarmMemberText } from './alarm-text.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';

export const etcdCompatibleVersion = '3.4.23';

export function status(ctx: ApiContext) {
  return unary<w.StatusRequest<'in'>, w.StatusResponse<'out'>>(ctx.log, 'Status', async () => {
    const raft = ctx.node.raft;
    const size = await ctx.dbSizeBytes();
    return {
      header: ctx.header(ctx.mvcc.currentRevision()),
      version: etcdCompatibleVersion,
      dbSize: size,
      leader: idOut(raft.lead),
      raftIndex: raft.raftLog.committed,
      raftTerm: raft.term,
      raftAppliedIndex: ctx.mvcc.appliedIndex(),
      errors: [
        ...(raft.lead === 0n ? [etcdErrors.NoLeader.message] : []),
        ...ctx.mvcc.alarms().map((a) => alarmMemberText(a.memberId, alarmTypeOf(a.alarm))),
      ],
      dbSizeInUse: size,
      isLearner: raft.isLearner,
    };
  });
}
