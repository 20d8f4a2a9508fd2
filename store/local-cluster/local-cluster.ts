// A cluster of `capstan store` processes on this machine, on free loopback
// ports, with everything in one directory: `capstan cluster up|status|down|
// restart` and the integration tests use it.

import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { etcdClient } from '../client/etcd-client.js';
import { limits } from '../limits.js';
import {
  readClusterFile,
  writeClusterFile,
  type ClusterFile,
  type LocalMember,
} from './cluster-file.js';
import { freePorts } from './free-ports.js';
import { isRunning, startMember, stopProcess, type CapstanCommand } from './processes.js';

export interface UpOptions {
  dir: string;
  replicas: number;
  command: CapstanCommand;
  /** Leave the members running when this process exits. */
  detach: boolean;
  heartbeatIntervalMs?: number;
  electionTimeoutMs?: number;
  snapshotCount?: number;
}

/** Grace before a member that ignores SIGTERM is killed. */
export const stopGraceMs = 10_000;

/** Creates the cluster description (or reuses the one in `dir`) and starts every member not running. */
export async function clusterUp(o: UpOptions): Promise<ClusterFile> {
  await mkdir(o.dir, { recursive: true });
  let c = await readClusterFile(o.dir);
  if (!c) {
    if (![1, 3, 5].includes(o.replicas)) throw new Error('--replicas must be 1, 3 or 5');
    const ports = await freePorts(2 * o.replicas);
    c = {
      token: `capstan-${randomBytes(4).toString('hex')}`,
      heartbeatIntervalMs: o.heartbeatIntervalMs ?? limits.heartbeatIntervalMs,
      electionTimeoutMs: o.electionTimeoutMs ?? limits.electionTimeoutMs,
      ...(o.snapshotCount !== undefined ? { snapshotCount: o.snapshotCount } : {}),
      members: Array.from({ length: o.replicas }, (_, i) => ({
        name: `m${i + 1}`,
        clientPort: ports[2 * i]!,
        peerPort: ports[2 * i + 1]!,
        pid: 0,
      })),
    };
  }
  for (const m of c.members) {
    if (isRunning(m.pid)) continue;
    m.pid = startMember(o.command, o.dir, c, m, o.detach).pid ?? 0;
  }
  await writeClusterFile(o.dir, c);
  return c;
}

export async function clusterDown(dir: string): Promise<ClusterFile> {
  const c = await requireCluster(dir);
  await Promise.all(c.members.map((m) => stopProcess(m.pid, stopGraceMs)));
  for (const m of c.members) m.pid = 0;
  await writeClusterFile(dir, c);
  return c;
}

export async function clusterRestart(
  dir: string,
  name: string,
  command: CapstanCommand,
): Promise<LocalMember> {
  const c = await requireCluster(dir);
  const m = c.members.find((x) => x.name === name);
  if (!m)
    throw new Error(
      `no member named ${name} in ${dir} (members: ${c.members.map((x) => x.name).join(', ')})`,
    );
  await stopProcess(m.pid, stopGraceMs);
  m.pid = startMember(command, dir, c, m, true).pid ?? 0;
  await writeClusterFile(dir, c);
  return m;
}

export interface MemberStatus {
  name: string;
  endpoint: string;
  running: boolean;
  id?: string;
  isLeader?: boolean;
  leader?: string;
  term?: string;
  appliedIndex?: string;
  dbSizeBytes?: number;
  error?: string;
}

export async function clusterStatus(dir: string, timeoutMs = 1000): Promise<MemberStatus[]> {
  const c = await requireCluster(dir);
  return Promise.all(
    c.members.map(async (m): Promise<MemberStatus> => {
      const endpoint = `127.0.0.1:${m.clientPort}`;
      const base = { name: m.name, endpoint, running: isRunning(m.pid) };
      if (!base.running) return base;
      const client = etcdClient(endpoint);
      try {
        const s = await client.status({}, timeoutMs);
        const id = BigInt(s.header?.member_id ?? '0');
        return {
          ...base,
          id: id.toString(16),
          isLeader: s.leader === s.header?.member_id && s.leader !== '0',
          leader: BigInt(s.leader).toString(16),
          term: s.raftTerm,
          appliedIndex: s.raftAppliedIndex,
          dbSizeBytes: Number(s.dbSize),
        };
      } catch (e) {
        return { ...base, error: e instanceof Error ? e.message : String(e) };
      } finally {
        client.close();
      }
    }),
  );
}

async function requireCluster(dir: string): Promise<ClusterFile> {
  const c = await readClusterFile(dir);
  if (!c) throw new Error(`no cluster in ${dir} (start one with: capstan cluster up --dir ${dir})`);
  return c;
}

export function endpoints(c: ClusterFile): string[] {
  return c.members.map((m) => `127.0.0.1:${m.clientPort}`);
}
