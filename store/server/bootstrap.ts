// Who this member is, decided once at first start and then read from disk:
//   * a member of a new cluster (--initial-cluster-state new) derives every
//     initial member's id and the cluster id from --initial-cluster and the
//     token, exactly as its peers do, and writes the bootstrap snapshot;
//   * a member joining an existing cluster (--initial-cluster-state
//     existing, added first with MemberAdd) asks a running peer for the
//     member list and finds itself by its peer URLs; the leader then sends
//     it a snapshot;
//   * a restarted member reads its identity from its raft log.

import type { RaftLogStore } from '../backend/index.js';
import type { Member, MvccStore } from '../mvcc/index.js';
import { bootstrapIndex, bootstrapTerm } from '../raft/index.js';
import { fetchMembers } from '../transport/peer-service.js';
import { ConfigError, type ReplicaConfig } from './config.js';
import { clusterId as deriveClusterId, memberId as deriveMemberId } from './ids.js';
import type { Logger } from './logger.js';

export interface Identity {
  memberId: bigint;
  clusterId: bigint;
  /** The members to talk to before the member table is known (joining). */
  initialMembers: Member[];
}

function urlsOf(cfg: ReplicaConfig): string[] {
  return cfg.initialAdvertisePeerUrls.map((u) => u.toString().replace(/\/$/, ''));
}

export async function resolveIdentity(
  cfg: ReplicaConfig,
  log: RaftLogStore,
  mvcc: MvccStore,
  logger: Logger,
): Promise<Identity> {
  const saved = log.identity();
  if (saved) return { ...saved, initialMembers: [] };
  if (!log.isEmpty()) {
    throw new ConfigError(`data dir ${cfg.dataDir} holds a raft log but no member identity`);
  }
  if (cfg.initialClusterState === 'new') return bootstrapNewCluster(cfg, log, mvcc, logger);
  return joinExistingCluster(cfg, log, logger);
}

async function bootstrapNewCluster(
  cfg: ReplicaConfig,
  log: RaftLogStore,
  mvcc: MvccStore,
  logger: Logger,
): Promise<Identity> {
  // Every initial member writes the same table (it is replicated state):
  // names from --initial-cluster; client URLs are published by each member
  // through Raft once it runs, as etcd does.
  const members: Member[] = [...cfg.initialCluster].map(([name, urls]) => ({
    id: deriveMemberId(urls, cfg.initialClusterToken),
    name,
    peerUrls: urls,
    clientUrls: [],
    isLearner: false,
  }));
  const ids = members.map((m) => m.id);
  if (new Set(ids.map(String)).size !== ids.length) {
    throw new ConfigError('--initial-cluster: two members have the same peer URLs');
  }
  // config.ts checked that --name is in --initial-cluster with our peer URLs.
  const self = members[[...cfg.initialCluster.keys()].indexOf(cfg.name)]!;
  const identity = { memberId: self.id, clusterId: deriveClusterId(ids) };
  // The member table goes into the state at the bootstrap index, before the
  // raft log records the bootstrap snapshot: the state is never behind the log.
  mvcc.bootstrapMembers(members, bootstrapIndex, bootstrapTerm);
  await mvcc.sync();
  await log.bootstrap(ids);
  await log.saveIdentity(identity);
  logger.info(
    {
      member: identity.memberId.toString(16),
      cluster: identity.clusterId.toString(16),
      members: ids.length,
    },
    'bootstrapped a new cluster',
  );
  return { ...identity, initialMembers: members };
}

async function joinExistingCluster(
  cfg: ReplicaConfig,
  log: RaftLogStore,
  logger: Logger,
): Promise<Identity> {
  const mine = urlsOf(cfg).sort().join(',');
  const peers = [...cfg.initialCluster].filter(([name]) => name !== cfg.name).flatMap(([, u]) => u);
  const errors: string[] = [];
  for (const url of peers) {
    try {
      const { clusterId, members } = await fetchMembers(url);
      const self = members.find((m) => [...m.peerUrls].sort().join(',') === mine);
      if (!self) {
        throw new ConfigError(
          `the cluster at ${url} has no member with peer URLs ${mine}: add it first (etcdctl member add)`,
        );
      }
      const identity = { memberId: self.id, clusterId };
      await log.saveIdentity(identity);
      logger.info(
        { member: self.id.toString(16), cluster: clusterId.toString(16), via: url },
        'joining an existing cluster',
      );
      return {
        ...identity,
        initialMembers: members.map((m) => ({
          id: m.id,
          name: m.name,
          peerUrls: [...m.peerUrls],
          clientUrls: [...m.clientUrls],
          isLearner: m.isLearner,
        })),
      };
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      errors.push(`${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new ConfigError(
    `could not reach any member of the existing cluster (${errors.join('; ')})`,
  );
}
