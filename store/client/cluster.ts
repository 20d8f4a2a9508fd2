// Cluster and Maintenance records as the typed client returns them.

import type * as w from '../server/grpc/wire-types.js';
import { AlarmType } from '../server/grpc/wire-types.js';
import {
  headerIn,
  int64In,
  smallIntIn,
  type MemberId,
  type ResponseHeader,
  type Revision,
} from './codec.js';

export interface Member {
  id: MemberId;
  /** Empty while the member has not started (added, not yet joined). */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface MembersResult {
  header: ResponseHeader;
  members: Member[];
}

export interface MemberAddResult extends MembersResult {
  member: Member;
}

export function memberIn(m: w.Member<'in'>): Member {
  return {
    id: int64In(m.ID),
    name: m.name,
    peerURLs: [...m.peerURLs],
    clientURLs: [...m.clientURLs],
    isLearner: m.isLearner,
  };
}

export function membersIn(r: {
  header: w.ResponseHeader<'in'> | null;
  members: w.Member<'in'>[];
}): MembersResult {
  return { header: headerIn(r.header), members: r.members.map(memberIn) };
}

export interface StatusResult {
  header: ResponseHeader;
  /** The member's etcd-compatible version string. */
  version: string;
  dbSize: bigint;
  dbSizeInUse: bigint;
  /** The member id of the leader as this member sees it (0n: none). */
  leader: MemberId;
  raftIndex: bigint;
  raftTerm: bigint;
  raftAppliedIndex: bigint;
  errors: string[];
  isLearner: boolean;
}

export function statusIn(s: w.StatusResponse<'in'>): StatusResult {
  return {
    header: headerIn(s.header),
    version: s.version,
    dbSize: int64In(s.dbSize),
    dbSizeInUse: int64In(s.dbSizeInUse),
    leader: int64In(s.leader),
    raftIndex: int64In(s.raftIndex),
    raftTerm: int64In(s.raftTerm),
    raftAppliedIndex: int64In(s.raftAppliedIndex),
    errors: [...s.errors],
    isLearner: s.isLearner,
  };
}

export interface HashKVResult {
  header: ResponseHeader;
  hash: number;
  compactRevision: Revision;
}

export function hashKVIn(r: w.HashKVResponse<'in'>): HashKVResult {
  return { header: headerIn(r.header), hash: r.hash, compactRevision: int64In(r.compact_revision) };
}

export type AlarmName = 'NONE' | 'NOSPACE' | 'CORRUPT';

export interface Alarm {
  memberId: MemberId;
  alarm: AlarmName;
}

const alarmNames: Record<number, AlarmName> = {
  [AlarmType.NONE]: 'NONE',
  [AlarmType.NOSPACE]: 'NOSPACE',
  [AlarmType.CORRUPT]: 'CORRUPT',
};

export function alarmsIn(r: w.AlarmResponse<'in'>): Alarm[] {
  return r.alarms.map((a) => ({
    memberId: int64In(a.memberID),
    alarm: alarmNames[a.alarm] ?? 'NONE',
  }));
}

export const alarmTypes: Record<AlarmName, w.EnumValue<typeof AlarmType>> = {
  NONE: AlarmType.NONE,
  NOSPACE: AlarmType.NOSPACE,
  CORRUPT: AlarmType.CORRUPT,
};

export interface LeaseGrantResult {
  header: ResponseHeader;
  id: bigint;
  /** Seconds, as the server granted (it may raise a too-short TTL). */
  ttl: number;
}

export interface LeaseTimeToLiveResult {
  header: ResponseHeader;
  id: bigint;
  /** Remaining seconds; -1 when the lease does not exist (expired or revoked). */
  ttl: number;
  /** The TTL the lease was granted with; 0 when it does not exist. */
  grantedTtl: number;
  /** The keys attached to the lease, when asked for. */
  keys: Buffer[];
}

export function timeToLiveIn(r: w.LeaseTimeToLiveResponse<'in'>): LeaseTimeToLiveResult {
  return {
    header: headerIn(r.header),
    id: int64In(r.ID),
    ttl: smallIntIn(r.TTL),
    grantedTtl: smallIntIn(r.grantedTTL),
    keys: r.keys.map((k) => Buffer.from(k)),
  };
}
