// Everything a seed decides about a run, drawn up front from one generator
// so the same seed always builds the same world.

import { SeededRandom } from '../../store/raft/index.js';

export const bugNames = [
  'vote-without-log-check',
  'commit-earlier-term',
  'read-index-without-heartbeat',
  'ack-before-persist',
] as const;
export type BugName = (typeof bugNames)[number];

export interface SimParams {
  seed: number;
  profile: Profile;
  nodes: number;
  bug: BugName | undefined;
  /** Simulated time units per Raft tick. */
  tickUnits: number;
  electionTimeoutTicks: number;
  heartbeatIntervalTicks: number;
  maxInflightMessages: number;
  maxMessageBytes: number;
  /** Length of the phase with faults, in ticks. */
  safetyTicks: number;
  /** Bound on recovery after faults stop, in ticks. */
  livenessTicks: number;
  dropRate: number;
  duplicateRate: number;
  delayMinUnits: number;
  delayMaxUnits: number;
  clients: number;
  keys: number;
  clientTimeoutUnits: number;
  thinkMaxUnits: number;
  /** A fault decision is taken every this many time units on average. */
  faultEveryUnits: number;
  crashWeight: number;
  partitionWeight: number;
  membershipWeight: number;
  transferWeight: number;
  /** Process pauses (GC, stalled VM), often of the leader. */
  pauseWeight: number;
  /** Probability that a newly elected leader crashes or is cut off moments later. */
  leaderChurnChance: number;
  /**
   * Probability, per Ready, that a member crashes after persisting it but
   * before sending its messages: the moment a process dies between fsync
   * and the network.
   */
  crashInReadyChance: number;
  /**
   * The same, for a leader's Ready that appends entries or advances commit:
   * the decision is made and stored, but nobody has heard of it.
   */
  crashDecisiveReadyChance: number;
  snapshotEveryEntries: number;
  keepTailEntries: number;
  /** Random variation of each tick, in time units. */
  tickJitterUnits: number;
  /**
   * Bound on each member's fixed clock-rate error, in time units per tick:
   * a member's ticks come every tickUnits ± this. A slow clock keeps a
   * deposed leader believing in itself longer.
   */
  clockDriftUnits: number;
}

export interface ParamOverrides {
  nodes?: number;
  bug?: BugName;
  safetyTicks?: number;
}

/**
 * Swarm testing: each seed draws one profile, so some runs push a single
 * kind of trouble to the extreme instead of every run diluting all of them.
 *   mixed          — every fault at moderate, independently drawn rates;
 *   election-storm — leaders die right after deciding (appending or
 *                    committing) and entries travel one per message: the
 *                    Figure 8 shapes of §5.4.2;
 *   partitions     — frequent partitions and pauses (often of the leader)
 *                    under a busy workload, with drifting clocks: where a
 *                    deposed leader could serve stale reads;
 *   membership     — frequent membership changes and leadership transfers.
 */
export const profiles = ['mixed', 'mixed', 'election-storm', 'partitions', 'membership'] as const;
export type Profile = (typeof profiles)[number];

export function drawParams(seed: number, o: ParamOverrides = {}): SimParams {
  const r = new SeededRandom(seed ^ 0x5eed);
  const profile = r.pick(profiles);
  const nodes = o.nodes ?? r.pick([1, 3, 3, 3, 3, 5, 5]);
  const tickUnits = 10;
  const calm = r.chance(0.15);
  const p: SimParams = {
    seed,
    profile,
    nodes,
    bug: o.bug,
    tickUnits,
    electionTimeoutTicks: 10,
    heartbeatIntervalTicks: 1,
    maxInflightMessages: r.pick([1, 2, 4, 16, 256]),
    maxMessageBytes: r.pick([1, 200, 1000, 64 * 1024]),
    safetyTicks: o.safetyTicks ?? 300,
    livenessTicks: 600,
    dropRate: calm ? 0 : r.pick([0, 0.01, 0.05, 0.1, 0.2]),
    duplicateRate: calm ? 0 : r.pick([0, 0.01, 0.05]),
    delayMinUnits: 1,
    delayMaxUnits: r.pick([2, 5, 10, 30, 60]),
    clients: r.range(2, 5),
    keys: r.range(1, 4),
    clientTimeoutUnits: 40 * tickUnits,
    thinkMaxUnits: r.pick([0, 10, 50]),
    faultEveryUnits: r.pick([50, 150, 400]),
    crashWeight: r.pick([0, 1, 3]),
    partitionWeight: r.pick([0, 1, 3]),
    membershipWeight: nodes === 1 ? r.pick([0, 1]) : r.pick([0, 1, 2]),
    transferWeight: r.pick([0, 1, 2]),
    pauseWeight: r.pick([0, 0, 1]),
    leaderChurnChance: r.pick([0, 0, 0.2, 0.5]),
    crashInReadyChance: r.pick([0, 0, 0.002, 0.01]),
    crashDecisiveReadyChance: r.pick([0, 0, 0.02, 0.1]),
    snapshotEveryEntries: r.pick([5, 20, 100]),
    keepTailEntries: r.pick([0, 2, 10]),
    tickJitterUnits: r.pick([0, 1, 3]),
    clockDriftUnits: r.pick([0, 0, 2, 4]),
  };
  if (profile === 'election-storm') {
    p.maxMessageBytes = 1;
    p.maxInflightMessages = r.pick([1, 1, 4]);
    p.leaderChurnChance = r.pick([0, 0.5]);
    p.crashDecisiveReadyChance = r.pick([0.2, 0.4]);
    p.dropRate = r.pick([0, 0.05]);
  } else if (profile === 'partitions') {
    p.partitionWeight = 3;
    p.crashWeight = r.pick([0, 1]);
    p.faultEveryUnits = r.pick([50, 150]);
    p.clients = r.range(4, 6);
    p.thinkMaxUnits = r.pick([0, 10]);
    p.clockDriftUnits = r.pick([2, 5]);
    p.pauseWeight = r.pick([1, 3]);
  } else if (profile === 'membership') {
    p.membershipWeight = 3;
    p.transferWeight = r.pick([1, 3]);
    p.faultEveryUnits = r.pick([50, 150]);
  }
  return p;
}
