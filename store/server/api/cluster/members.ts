// Shared checks of the Cluster RPCs.

import { etcdError } from '../../../errors.js';
import type { Member } from '../../../mvcc/index.js';
import type * as w from '../../grpc/wire-types.js';
import { memberOut } from '../../wire.js';
import type { ApiContext } from '../context.js';

/** Peer URLs as etcd accepts them: absolute http URLs with a host and a port. */
export function checkPeerUrls(urls: readonly string[]): string[] {
  if (urls.length === 0) throw etcdError('MemberBadURLs');
  const out: string[] = [];
  for (const raw of urls) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw etcdError('MemberBadURLs', raw);
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname || !u.port) {
      throw etcdError('MemberBadURLs', raw);
    }
    out.push(raw.replace(/\/$/, ''));
  }
  return out;
}

/** Refuses URLs another member already uses. */
export function checkUrlsFree(
  members: readonly Member[],
  urls: readonly string[],
  except?: bigint,
): void {
  for (const m of members) {
    if (m.id === except) continue;
    if (m.peerUrls.some((u) => urls.includes(u))) throw etcdError('PeerURLExist');
  }
}

export function findMember(ctx: ApiContext, id: bigint): Member {
  const m = ctx.mvcc.members().find((x) => x.id === id);
  if (!m) throw etcdError('MemberNotFound');
  return m;
}

/**
 * The header of every Cluster response: cluster id, member id and raft term,
 * but no revision — etcd's ClusterServer.header() leaves it out, since the
 * member table is not part of the key-value history.
 */
export function clusterHeader(ctx: ApiContext): w.ResponseHeader<'out'> {
  const { revision: _revision, ...rest } = ctx.header(0);
  return rest;
}

export function membersOut(
  ctx: ApiContext,
  members: readonly Member[],
): { header: w.ResponseHeader<'out'>; members: w.Member<'out'>[] } {
  return { header: clusterHeader(ctx), members: members.map(memberOut) };
}
