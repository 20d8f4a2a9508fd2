// An alarm as etcd prints it: the protobuf text form of AlarmMember (gogo's
// String()), which etcd's Status puts in `errors` and etcdctl's `alarm list`
// prints — every field that is not zero, as `name:value` followed by a
// space: `memberID:10276657743932975437 alarm:NOSPACE `. A NONE alarm shows
// no alarm field, member 0 no memberID field.

import { AlarmType } from '../../grpc/wire-types.js';

const alarmNames = new Map<number, string>(Object.entries(AlarmType).map(([k, v]) => [v, k]));

/** `memberId`: the uint64 as bigint or decimal string; `alarm`: the AlarmType number. */
export function alarmMemberText(memberId: bigint | string, alarm: number): string {
  let text = '';
  if (BigInt(memberId) !== 0n) text += `memberID:${BigInt.asUintN(64, BigInt(memberId))} `;
  if (alarm !== AlarmType.NONE) text += `alarm:${alarmNames.get(alarm) ?? alarm} `;
  return text;
}
