// The replica's configuration: etcd's flags (same names, same defaults where
// etcd has them), each also settable as a CAPSTAN_* environment variable
// (--initial-cluster-token → CAPSTAN_INITIAL_CLUSTER_TOKEN). Flags win over
// the environment. Every value is checked here, once, with a message that
// names the flag.

import { limits } from '../limits.js';

export interface ReplicaConfig {
  name: string;
  dataDir: string;
  listenClientUrls: URL[];
  advertiseClientUrls: URL[];
  listenPeerUrls: URL[];
  initialAdvertisePeerUrls: URL[];
  /** name → peer URLs of the initial members. */
  initialCluster: Map<string, string[]>;
  initialClusterState: 'new' | 'existing';
  initialClusterToken: string;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  snapshotCountEntries: number;
  snapshotCatchUpEntries: number;
  maxRequestBytes: number;
  quotaBackendBytes: number;
  /**
   * How often the leader checkpoints remaining lease TTLs through Raft
   * (etcd's --experimental-enable-lease-checkpoint, always on here).
   */
  leaseCheckpointIntervalMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

interface FlagSpec {
  flag: string;
  kind: 'string' | 'int' | 'urls' | 'cluster' | 'state' | 'level';
}

const specs: Record<keyof ReplicaConfig, FlagSpec> = {
  name: { flag: 'name', kind: 'string' },
  dataDir: { flag: 'data-dir', kind: 'string' },
  listenClientUrls: { flag: 'listen-client-urls', kind: 'urls' },
  advertiseClientUrls: { flag: 'advertise-client-urls', kind: 'urls' },
  listenPeerUrls: { flag: 'listen-peer-urls', kind: 'urls' },
  initialAdvertisePeerUrls: { flag: 'initial-advertise-peer-urls', kind: 'urls' },
  initialCluster: { flag: 'initial-cluster', kind: 'cluster' },
  initialClusterState: { flag: 'initial-cluster-state', kind: 'state' },
  initialClusterToken: { flag: 'initial-cluster-token', kind: 'string' },
  heartbeatIntervalMs: { flag: 'heartbeat-interval', kind: 'int' },
  electionTimeoutMs: { flag: 'election-timeout', kind: 'int' },
  snapshotCountEntries: { flag: 'snapshot-count', kind: 'int' },
  snapshotCatchUpEntries: { flag: 'snapshot-catchup-entries', kind: 'int' },
  maxRequestBytes: { flag: 'max-request-bytes', kind: 'int' },
  quotaBackendBytes: { flag: 'quota-backend-bytes', kind: 'int' },
  leaseCheckpointIntervalMs: { flag: 'experimental-lease-checkpoint-interval', kind: 'int' },
  logLevel: { flag: 'log-level', kind: 'level' },
};

/** The flags `capstan store` accepts, for the usage text and the argument parser. */
export const storeFlags = Object.values(specs).map((s) => s.flag);

export function envName(flag: string): string {
  return `CAPSTAN_${flag.toUpperCase().replaceAll('-', '_')}`;
}

function parseUrls(flag: string, v: string): URL[] {
  const out: URL[] = [];
  for (const part of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    let u: URL;
    try {
      u = new URL(part);
    } catch {
      throw new ConfigError(
        `--${flag}: "${part}" is not a URL (expected e.g. http://127.0.0.1:2379)`,
      );
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new ConfigError(`--${flag}: "${part}" must use http or https`);
    }
    if (u.protocol === 'https:') {
      throw new ConfigError(`--${flag}: "${part}": TLS is not supported yet; use http`);
    }
    if (!u.port) throw new ConfigError(`--${flag}: "${part}" must name a port`);
    out.push(u);
  }
  if (out.length === 0) throw new ConfigError(`--${flag}: at least one URL is required`);
  return out;
}

function parseCluster(flag: string, v: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const part of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--${flag}: "${part}" is not name=url`);
    const name = part.slice(0, eq);
    const url = parseUrls(flag, part.slice(eq + 1))[0]!;
    m.set(name, [...(m.get(name) ?? []), url.toString().replace(/\/$/, '')]);
  }
  if (m.size === 0) throw new ConfigError(`--${flag}: at least one member is required`);
  return m;
}

function parseInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ConfigError(`--${flag}: "${v}" is not a non-negative integer`);
  }
  return n;
}

function parseValue(spec: FlagSpec, v: string): unknown {
  switch (spec.kind) {
    case 'string':
      if (v === '') throw new ConfigError(`--${spec.flag} must not be empty`);
      return v;
    case 'int':
      return parseInt(spec.flag, v);
    case 'urls':
      return parseUrls(spec.flag, v);
    case 'cluster':
      return parseCluster(spec.flag, v);
    case 'state':
      if (v !== 'new' && v !== 'existing') {
        throw new ConfigError(`--${spec.flag} must be "new" or "existing", got "${v}"`);
      }
      return v;
    case 'level':
      if (!['debug', 'info', 'warn', 'error'].includes(v)) {
        throw new ConfigError(`--${spec.flag} must be debug, info, warn or error, got "${v}"`);
      }
      return v;
  }
}

/**
 * Builds the configuration from flag values (flag name → string) and the
 * environment. Unknown flags are refused by the caller's parser.
 */
export function resolveConfig(
  flags: Record<string, string | undefined>,
  env: Record<string, string | undefined>,
): ReplicaConfig {
  const raw = (key: keyof ReplicaConfig): string | undefined =>
    flags[specs[key].flag] ?? env[envName(specs[key].flag)];
  const get = <K extends keyof ReplicaConfig>(
    key: K,
    dflt: () => ReplicaConfig[K],
  ): ReplicaConfig[K] => {
    const v = raw(key);
    return v === undefined ? dflt() : (parseValue(specs[key], v) as ReplicaConfig[K]);
  };
  const name = get('name', () => 'default');
  const peer = get('initialAdvertisePeerUrls', () => [new URL('http://127.0.0.1:2380')]);
  const cfg: ReplicaConfig = {
    name,
    dataDir: get('dataDir', () => `${name}.capstan`),
    listenClientUrls: get('listenClientUrls', () => [new URL('http://127.0.0.1:2379')]),
    advertiseClientUrls: get('advertiseClientUrls', () => [new URL('http://127.0.0.1:2379')]),
    listenPeerUrls: get('listenPeerUrls', () => [new URL('http://127.0.0.1:2380')]),
    initialAdvertisePeerUrls: peer,
    initialCluster: get(
      'initialCluster',
      () => new Map([[name, peer.map((u) => u.toString().replace(/\/$/, ''))]]),
    ),
    initialClusterState: get('initialClusterState', () => 'new'),
    initialClusterToken: get('initialClusterToken', () => 'etcd-cluster'),
    heartbeatIntervalMs: get('heartbeatIntervalMs', () => limits.heartbeatIntervalMs),
    electionTimeoutMs: get('electionTimeoutMs', () => limits.electionTimeoutMs),
    snapshotCountEntries: get('snapshotCountEntries', () => limits.snapshotCountEntries),
    snapshotCatchUpEntries: get('snapshotCatchUpEntries', () => limits.snapshotCatchUpEntries),
    maxRequestBytes: get('maxRequestBytes', () => limits.maxRequestBytes),
    quotaBackendBytes: get('quotaBackendBytes', () => limits.quotaBackendBytes),
    leaseCheckpointIntervalMs: get(
      'leaseCheckpointIntervalMs',
      () => limits.leaseCheckpointIntervalMs,
    ),
    logLevel: get('logLevel', () => 'info'),
  };
  validate(cfg);
  return cfg;
}

function validate(cfg: ReplicaConfig): void {
  if (cfg.heartbeatIntervalMs <= 0) throw new ConfigError('--heartbeat-interval must be positive');
  if (cfg.electionTimeoutMs < 5 * cfg.heartbeatIntervalMs) {
    throw new ConfigError(
      `--election-timeout (${cfg.electionTimeoutMs}) must be at least 5 times --heartbeat-interval (${cfg.heartbeatIntervalMs})`,
    );
  }
  if (cfg.electionTimeoutMs > 50_000)
    throw new ConfigError('--election-timeout must be at most 50000 ms');
  if (cfg.snapshotCountEntries < 1) throw new ConfigError('--snapshot-count must be at least 1');
  if (cfg.snapshotCatchUpEntries >= cfg.snapshotCountEntries && cfg.snapshotCountEntries > 1) {
    cfg.snapshotCatchUpEntries = Math.floor(cfg.snapshotCountEntries / 2);
  }
  if (cfg.maxRequestBytes < 1) throw new ConfigError('--max-request-bytes must be positive');
  if (cfg.leaseCheckpointIntervalMs < 1) {
    throw new ConfigError('--experimental-lease-checkpoint-interval must be at least 1 ms');
  }
  if (cfg.quotaBackendBytes === 0) cfg.quotaBackendBytes = limits.quotaBackendBytes; // etcd: 0 = default
  const mine = cfg.initialCluster.get(cfg.name);
  if (!mine) {
    throw new ConfigError(
      `--initial-cluster has no member named "${cfg.name}" (--name); it lists: ${[...cfg.initialCluster.keys()].join(', ')}`,
    );
  }
  const advertised = cfg.initialAdvertisePeerUrls
    .map((u) => u.toString().replace(/\/$/, ''))
    .sort();
  if (advertised.join(',') !== [...mine].sort().join(',')) {
    throw new ConfigError(
      `--initial-advertise-peer-urls (${advertised.join(',')}) must match the URLs --initial-cluster gives "${cfg.name}" (${mine.join(',')})`,
    );
  }
}
