// The two kinds of server a compat session runs against — real etcd 3.4 and
// capstan — behind one small interface: members by name (m1, m2, …), their
// endpoints, adding a member that joins the running cluster, and cleanup.

import { TestCluster } from '../integration/harness.js';
import { RealEtcdCluster } from '../store/server/grpc/real-etcd.js';

export type TargetKind = 'etcd' | 'capstan';

export interface CompatTarget {
  readonly kind: TargetKind;
  /** A scratch directory removed by close() (snapshot files go here). */
  readonly dir: string;
  /** Every member slot, started or not, in the order they were made. */
  names(): string[];
  /** host:port of a member's client API. */
  endpoint(name: string): string;
  peerUrl(name: string): string;
  /** The members whose process is running now. */
  running(): string[];
  /** Every client and peer port of every slot, with the slot's name. */
  ports(): Map<number, string>;
  /** Picks ports for a member about to be added with `member add`. */
  addSlot(name: string): Promise<void>;
  /** Starts an added member, joining the running cluster. */
  join(name: string): void;
  kill(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface TargetOptions {
  members: number;
  maxRequestBytes: number;
  /** More flags for every member, with the same name in etcd and capstan (e.g. quota-backend-bytes). */
  flags?: Record<string, string>;
}

/** Both kinds run with the same timing, so elections take about as long. */
const heartbeatIntervalMs = 50;
const electionTimeoutMs = 500;

const memberNames = (n: number): string[] => Array.from({ length: n }, (_, i) => `m${i + 1}`);

export async function startEtcdTarget(
  etcdBin: string,
  etcdctlBin: string,
  o: TargetOptions,
): Promise<CompatTarget> {
  const c = await RealEtcdCluster.start(etcdBin, etcdctlBin, {
    names: memberNames(o.members),
    flags: [
      `--max-request-bytes=${o.maxRequestBytes}`,
      ...Object.entries(o.flags ?? {}).map(([k, v]) => `--${k}=${v}`),
    ],
    heartbeatIntervalMs,
    electionTimeoutMs,
  });
  return {
    kind: 'etcd',
    dir: c.dir,
    names: () => c.members.map((m) => m.name),
    endpoint: (name) => c.member(name).endpoint,
    peerUrl: (name) => c.member(name).peerUrl,
    running: () => c.running(),
    ports: () =>
      new Map(
        c.members.flatMap((m) => [
          [m.clientPort, `${m.name}:client`],
          [m.peerPort, `${m.name}:peer`],
        ]),
      ),
    addSlot: async (name) => void (await c.addMemberSlot(name)),
    join: (name) => void c.launch(name, 'existing'),
    kill: (name) => c.kill(name),
    close: () => c.stop(),
  };
}

export async function startCapstanTarget(o: TargetOptions): Promise<CompatTarget> {
  const flags = { 'max-request-bytes': String(o.maxRequestBytes), ...o.flags };
  const c = await TestCluster.start({
    replicas: o.members,
    heartbeatIntervalMs,
    electionTimeoutMs,
    extraFlags: flags,
  });
  return {
    kind: 'capstan',
    dir: c.dir,
    names: () => c.names(),
    endpoint: (name) => c.endpoint(name),
    peerUrl: (name) => `http://127.0.0.1:${c.member(name).peerPort}`,
    running: () => c.running(),
    ports: () =>
      new Map(
        c.file.members.flatMap((m) => [
          [m.clientPort, `${m.name}:client`],
          [m.peerPort, `${m.name}:peer`],
        ]),
      ),
    addSlot: async (name) => void (await c.addMemberSlot(name)),
    join: (name) =>
      void c.launch(c.member(name), { ...flags, 'initial-cluster-state': 'existing' }),
    kill: (name) => c.kill(name),
    close: () => c.close(),
  };
}
