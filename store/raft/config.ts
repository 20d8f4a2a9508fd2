// Every limit of the Raft core is a named field with its unit, checked once
// by `validateConfig` at construction.

import { RaftConfigError } from './errors.js';
import type { RandomSource } from './random.js';
import type { Storage } from './storage.js';
import { None, type Index, type NodeId } from './types.js';

/** Where the core reports what it decided; the replica plugs pino in here. */
export interface RaftLogger {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

export const silentLogger: RaftLogger = {
  debug() {},
  info() {},
  warn() {},
};

/**
 * Deliberate rule-breaking, for the simulator only: each switch disables one
 * safety rule so tests can prove the simulator's checks catch it. Never set
 * outside tests.
 */
export interface UnsafeTestingKnobs {
  /** Grant votes without the "candidate's log is at least as up-to-date" check (§5.4.1). */
  voteWithoutLogCheck?: boolean;
  /** Commit entries of earlier terms by counting replicas, breaking the Figure 8 rule (§5.4.2). */
  commitEarlierTermByCount?: boolean;
  /** Answer ReadIndex without the heartbeat round that confirms leadership (§6.4). */
  readIndexWithoutHeartbeat?: boolean;
}

export interface RaftConfig {
  /** This member's id; never `None`. */
  id: NodeId;
  /** Persistent state: log, hard state, snapshots. */
  storage: Storage;
  /** Source of election-timeout jitter. */
  random: RandomSource;
  /** A follower that hears no leader for this many ticks starts an election (randomized to [n, 2n)). */
  electionTimeoutTicks: number;
  /** A leader sends heartbeats every this many ticks. */
  heartbeatIntervalTicks: number;
  /** The last index already applied to the state machine when restarting (0 on a fresh start). */
  appliedIndex: Index;
  /** Upper bound on the entries carried by one append message. */
  maxMessageBytes: number;
  /** Upper bound on committed entries handed out by one `ready()`. */
  maxCommittedBytesPerReady: number;
  /** The leader refuses proposals once this many payload bytes are appended but not committed. */
  maxUncommittedEntriesBytes: number;
  /** Pipelining window: append messages in flight to one follower. */
  maxInflightMessages: number;
  /** Pipelining window: entry bytes in flight to one follower. */
  maxInflightBytes: number;
  /** Run a pre-election (§9.6) so a partitioned node cannot disrupt the cluster with higher terms. */
  preVote: boolean;
  /** A leader that hears from no quorum within an election timeout steps down (§6.2). */
  checkQuorum: boolean;
  /** Followers drop proposals instead of forwarding them to the leader. */
  disableProposalForwarding: boolean;
  logger: RaftLogger;
  unsafe: UnsafeTestingKnobs;
}

export const raftConfigDefaults = {
  electionTimeoutTicks: 10,
  heartbeatIntervalTicks: 1,
  appliedIndex: 0,
  maxMessageBytes: 1024 * 1024,
  maxCommittedBytesPerReady: 64 * 1024 * 1024,
  maxUncommittedEntriesBytes: 1024 * 1024 * 1024,
  maxInflightMessages: 256,
  maxInflightBytes: 64 * 1024 * 1024,
  preVote: true,
  checkQuorum: true,
  disableProposalForwarding: false,
  logger: silentLogger,
  unsafe: {},
} as const;

export type RaftConfigInput = Pick<RaftConfig, 'id' | 'storage' | 'random'> &
  Partial<Omit<RaftConfig, 'id' | 'storage' | 'random'>>;

function positiveInteger(cfg: RaftConfig, field: keyof RaftConfig): void {
  const v = cfg[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new RaftConfigError(`raft config: ${field} must be a positive integer, got ${String(v)}`);
  }
}

/** Fills defaults and checks every limit and relationship. */
export function validateConfig(input: RaftConfigInput): RaftConfig {
  // An explicit `undefined` means "not given": it must not override a default.
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const cfg = {
    ...raftConfigDefaults,
    ...given,
    unsafe: { ...(input.unsafe ?? {}) },
  } as RaftConfig;
  if (!cfg.storage) throw new RaftConfigError('raft config: storage is required');
  if (!cfg.random || typeof cfg.random.int !== 'function') {
    throw new RaftConfigError('raft config: random must be a RandomSource');
  }
  for (const f of ['preVote', 'checkQuorum', 'disableProposalForwarding'] as const) {
    if (typeof cfg[f] !== 'boolean') {
      throw new RaftConfigError(`raft config: ${f} must be a boolean, got ${String(cfg[f])}`);
    }
  }
  if (typeof cfg.id !== 'bigint' || cfg.id === None || cfg.id < 0n || cfg.id >= 1n << 64n) {
    throw new RaftConfigError(`raft config: id must be a non-zero uint64, got ${String(cfg.id)}`);
  }
  for (const f of [
    'electionTimeoutTicks',
    'heartbeatIntervalTicks',
    'maxMessageBytes',
    'maxCommittedBytesPerReady',
    'maxUncommittedEntriesBytes',
    'maxInflightMessages',
    'maxInflightBytes',
  ] as const) {
    positiveInteger(cfg, f);
  }
  if (cfg.electionTimeoutTicks <= cfg.heartbeatIntervalTicks) {
    throw new RaftConfigError(
      `raft config: electionTimeoutTicks (${cfg.electionTimeoutTicks}) must be greater than heartbeatIntervalTicks (${cfg.heartbeatIntervalTicks})`,
    );
  }
  if (!Number.isSafeInteger(cfg.appliedIndex) || cfg.appliedIndex < 0) {
    throw new RaftConfigError(
      `raft config: appliedIndex must be a non-negative integer, got ${String(cfg.appliedIndex)}`,
    );
  }
  if (cfg.maxInflightBytes < cfg.maxMessageBytes) {
    throw new RaftConfigError(
      `raft config: maxInflightBytes (${cfg.maxInflightBytes}) must be at least maxMessageBytes (${cfg.maxMessageBytes})`,
    );
  }
  return cfg;
}
