// Maintenance.Alarm: every action goes through Raft, as in etcd (so GET is
// linearizable and ACTIVATE/DEACTIVATE change every member's state at the
// same index). What the state machine does with an active alarm is in
// store/mvcc (NOSPACE refuses puts and lease grants, CORRUPT every write).
//
// Answers as etcd 3.4's applier builds them (checked against the binary):
// - GET: the active alarms of the requested type, every alarm for NONE;
// - ACTIVATE: the alarm, whether it was new or already active; any member
//   id and any type are accepted (a NONE alarm is stored and listed too);
// - DEACTIVATE: the alarm removed, or nothing when it was not active;
// - no header (etcd's maintenance server returns the applier's response).
// An action or type etcd does not define is refused (etcd 3.4 crashes on an
// unknown action).

import { status as grpcStatus } from '@grpc/grpc-js';
import { GrpcStatusError } from '../../../errors.js';
import type { AlarmKind, AlarmMember, AlarmRequest } from '../../../mvcc/index.js';
import { AlarmAction, AlarmType } from '../../grpc/wire-types.js';
import type * as w from '../../grpc/wire-types.js';
import { idIn, idOut } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';

const actions = new Map<number, AlarmRequest['action']>([
  [AlarmAction.GET, 'get'],
  [AlarmAction.ACTIVATE, 'activate'],
  [AlarmAction.DEACTIVATE, 'deactivate'],
]);

const kindNumbers: Record<AlarmKind, w.EnumValue<typeof AlarmType>> = {
  none: AlarmType.NONE,
  nospace: AlarmType.NOSPACE,
  corrupt: AlarmType.CORRUPT,
};

const kinds = new Map<number, AlarmKind>(
  Object.entries(kindNumbers).map(([k, n]) => [n, k as AlarmKind]),
);

/** etcd's AlarmType number of an alarm kind. */
export function alarmTypeOf(kind: AlarmKind): number {
  return kindNumbers[kind];
}

export function alarmOut(a: AlarmMember): w.AlarmMember<'out'> {
  return { memberID: idOut(a.memberId), alarm: kindNumbers[a.alarm] };
}

export function alarm(ctx: ApiContext) {
  return unary<w.AlarmRequest<'in'>, w.AlarmResponse<'out'>>(ctx.log, 'Alarm', async (req) => {
    const action = actions.get(req.action);
    if (action === undefined) {
      throw new GrpcStatusError(
        grpcStatus.INVALID_ARGUMENT,
        `capstan: unknown alarm action ${req.action}`,
      );
    }
    const kind = kinds.get(req.alarm);
    if (kind === undefined) {
      throw new GrpcStatusError(
        grpcStatus.INVALID_ARGUMENT,
        `capstan: unknown alarm type ${req.alarm}`,
      );
    }
    if (action === 'get') {
      const res = await ctx.propose({ alarm: { action } });
      if (!('alarm' in res)) throw new Error('alarm answered with another response');
      const listed = res.alarm.alarms.filter((a) => kind === 'none' || a.alarm === kind);
      return { alarms: listed.map(alarmOut) };
    }
    const member: AlarmMember = { memberId: idIn(req.memberID), alarm: kind };
    const res = await ctx.propose({ alarm: { action, ...member } });
    if (!('alarm' in res)) throw new Error('alarm answered with another response');
    // The state machine answers an activation of an active alarm with
    // nothing; etcd answers it with the alarm (its store returns the one it has).
    const changed =
      action === 'activate' && res.alarm.alarms.length === 0 ? [member] : res.alarm.alarms;
    return { alarms: changed.map(alarmOut) };
  });
}
