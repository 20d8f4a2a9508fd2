// The configuration of a `capstan chaos` run: defaults, nemesis families,
// and the parsing of the command's flags into a ChaosConfig (cmd/chaos.ts
// only wires this up). Every refusal is a ChaosUsageError with a sentence
// that names the flag.

import {
  nemesisKinds,
  workloadKinds,
  type ChaosConfig,
  type NemesisKind,
  type WorkloadKind,
} from './types.js';

export class ChaosUsageError extends Error {
  override name = 'ChaosUsageError';
}

/** Names that stand for several nemeses (`--nemesis pause,partition`). */
export const nemesisFamilies: Record<string, readonly NemesisKind[]> = {
  kill: ['kill-leader', 'kill-random', 'kill-majority'],
  pause: ['pause-leader', 'pause-random'],
  partition: ['partition-leader', 'partition-half', 'partition-ring', 'one-way-loss'],
  network: ['latency', 'packet-loss'],
  crash: ['crash-point'],
  membership: ['membership', 'replace-member'],
  all: nemesisKinds,
  none: [],
};

/** Nemeses that need the run's own processes (everything does: see docs/chaos.md). */
export const processNemeses: readonly NemesisKind[] = nemesisKinds;

export const chaosDefaults: ChaosConfig = {
  replicas: 3,
  durationMs: 60_000,
  nemeses: [...nemesisKinds],
  workload: 'register',
  clients: 16,
  ratePerSecond: 0,
  seed: 1,
  outDir: undefined,
  endpoints: undefined,
  faultIntervalMs: 6_000,
  faultDurationMs: 3_000,
  recoveryMs: 5_000,
  heartbeatIntervalMs: 100,
  electionTimeoutMs: 1_000,
};

/** Members take a raft snapshot this often, so snapshots are sent and installed during a run. */
export const chaosSnapshotCount = 500;

/** An operation without an answer after this long counts as outcome-unknown. */
export function opTimeoutMsFor(c: Pick<ChaosConfig, 'electionTimeoutMs'>): number {
  return 2 * c.electionTimeoutMs + 1_000;
}

/** `60s`, `2m`, `1500ms`, `1h`, or a bare number in `bareUnit` (seconds, or ms for raft timing as etcd's flags). */
export function parseDurationMs(flag: string, v: string, bareUnit: 'ms' | 's' = 's'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new ChaosUsageError(`--${flag}: "${v}" is not a duration (e.g. 60s, 2m, 500ms)`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[
    (m[2] ?? bareUnit) as 'ms' | 's' | 'm' | 'h'
  ];
  const ms = Math.round(n * unit);
  if (ms <= 0) throw new ChaosUsageError(`--${flag} must be positive, got "${v}"`);
  return ms;
}

function parseCount(flag: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ChaosUsageError(`--${flag} must be an integer from ${min} to ${max}, got "${v}"`);
  }
  return n;
}

/** `kill-leader,pause,partition-ring` → the nemeses, families expanded, duplicates dropped. */
export function expandNemeses(v: string): NemesisKind[] {
  const out: NemesisKind[] = [];
  for (const part of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const family = nemesisFamilies[part];
    const kinds =
      family ?? (nemesisKinds.includes(part as NemesisKind) ? [part as NemesisKind] : undefined);
    if (!kinds) {
      throw new ChaosUsageError(
        `--nemesis: unknown nemesis "${part}" (nemeses: ${nemesisKinds.join(', ')}; families: ${Object.keys(nemesisFamilies).join(', ')})`,
      );
    }
    for (const k of kinds) if (!out.includes(k)) out.push(k);
  }
  return out;
}

export type ChaosFlags = Partial<
  Record<
    | 'replicas'
    | 'duration'
    | 'nemesis'
    | 'workload'
    | 'clients'
    | 'rate'
    | 'seed'
    | 'out'
    | 'endpoints'
    | 'fault-interval'
    | 'fault-duration'
    | 'recovery'
    | 'heartbeat-interval'
    | 'election-timeout',
    string
  >
>;

/** Builds the run's configuration from the command's flags (strings, as parsed). */
export function configFromFlags(f: ChaosFlags): ChaosConfig {
  const c: ChaosConfig = { ...chaosDefaults, nemeses: [...chaosDefaults.nemeses] };
  if (f.replicas !== undefined) {
    if (f.replicas !== '3' && f.replicas !== '5') {
      throw new ChaosUsageError(`--replicas must be 3 or 5, got "${f.replicas}"`);
    }
    c.replicas = Number(f.replicas) as 3 | 5;
  }
  if (f.duration !== undefined) c.durationMs = parseDurationMs('duration', f.duration);
  if (f.workload !== undefined) {
    if (!workloadKinds.includes(f.workload as WorkloadKind)) {
      throw new ChaosUsageError(
        `--workload must be one of ${workloadKinds.join(', ')}, got "${f.workload}"`,
      );
    }
    c.workload = f.workload as WorkloadKind;
  }
  if (f.clients !== undefined) c.clients = parseCount('clients', f.clients, 1, 256);
  if (f.rate !== undefined) c.ratePerSecond = parseCount('rate', f.rate, 0, 1_000_000);
  if (f.seed !== undefined) c.seed = parseCount('seed', f.seed, 0, 2 ** 31 - 1);
  if (f.out !== undefined) c.outDir = f.out;
  if (f['fault-interval'] !== undefined)
    c.faultIntervalMs = parseDurationMs('fault-interval', f['fault-interval']);
  if (f['fault-duration'] !== undefined)
    c.faultDurationMs = parseDurationMs('fault-duration', f['fault-duration']);
  if (f.recovery !== undefined) c.recoveryMs = parseDurationMs('recovery', f.recovery);
  if (f['heartbeat-interval'] !== undefined) {
    c.heartbeatIntervalMs = parseDurationMs('heartbeat-interval', f['heartbeat-interval'], 'ms');
  }
  if (f['election-timeout'] !== undefined) {
    c.electionTimeoutMs = parseDurationMs('election-timeout', f['election-timeout'], 'ms');
  }
  if (f.endpoints !== undefined) {
    const eps = f.endpoints
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (eps.length === 0) throw new ChaosUsageError('--endpoints: give at least one host:port');
    for (const e of eps) {
      if (!/^(https?:\/\/)?[^\s/]+:\d{1,5}\/?$/.test(e)) {
        throw new ChaosUsageError(`--endpoints: "${e}" is not host:port`);
      }
    }
    c.endpoints = eps;
    // Nothing here can touch another cluster's processes or links.
    c.nemeses = [];
  }
  if (f.nemesis !== undefined) {
    c.nemeses = expandNemeses(f.nemesis);
    if (c.endpoints && c.nemeses.length > 0) {
      throw new ChaosUsageError(
        `--nemesis ${f.nemesis}: with --endpoints the run cannot kill, pause, restart or partition ` +
          `members it did not start (every nemesis needs the members' processes or their peer links); ` +
          `use --nemesis none, or let capstan chaos start the cluster`,
      );
    }
  }
  validateConfig(c);
  return c;
}

export function validateConfig(c: ChaosConfig): void {
  if (c.faultDurationMs >= c.faultIntervalMs) {
    throw new ChaosUsageError(
      `--fault-duration (${c.faultDurationMs} ms) must be shorter than --fault-interval (${c.faultIntervalMs} ms): one fault at a time`,
    );
  }
  if (c.electionTimeoutMs < 5 * c.heartbeatIntervalMs) {
    throw new ChaosUsageError(
      `--election-timeout (${c.electionTimeoutMs} ms) must be at least 5 × --heartbeat-interval (${c.heartbeatIntervalMs} ms)`,
    );
  }
  if (c.endpoints && c.nemeses.some((n) => processNemeses.includes(n))) {
    throw new ChaosUsageError('with --endpoints no nemesis can run (see docs/chaos.md)');
  }
}

/** The command that replays a run: the same flags, the same seed. */
export function replayCommand(c: ChaosConfig): string {
  const parts = [
    'capstan chaos',
    `--replicas ${c.replicas}`,
    `--duration ${c.durationMs}ms`,
    `--nemesis ${c.nemeses.length > 0 ? c.nemeses.join(',') : 'none'}`,
    `--workload ${c.workload}`,
    `--clients ${c.clients}`,
    `--rate ${c.ratePerSecond}`,
    `--seed ${c.seed}`,
    `--fault-interval ${c.faultIntervalMs}ms`,
    `--fault-duration ${c.faultDurationMs}ms`,
    `--recovery ${c.recoveryMs}ms`,
    `--heartbeat-interval ${c.heartbeatIntervalMs}ms`,
    `--election-timeout ${c.electionTimeoutMs}ms`,
  ];
  if (c.endpoints) parts.push(`--endpoints ${c.endpoints.join(',')}`);
  return parts.join(' ');
}
