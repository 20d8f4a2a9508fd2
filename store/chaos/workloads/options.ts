// The knobs of the workloads, with their defaults. The defaults are sized so
// the checks stay fast: a key sees a few hundred operations per generation
// whatever the clients and the rate, which the linearizability search
// decides in well under a second even with a fifth of them unknown.

import type { LinearizabilityOptions } from '../checks/index.js';

export interface WorkloadOptions {
  /** Where the workload's keys live (default: `chaos/<kind>/`). Setup deletes everything under it. */
  prefix?: string;
  /** register, mixed, append: keys contended on at a time; watch: keys written. */
  keyCount?: number;
  /** register, mixed, append: client turns (over all clients) per generation of keys (key-space.ts). */
  keyGenerationTurns?: number;
  /** bank: accounts, and each one's starting balance. */
  accountCount?: number;
  accountBalance?: number;
  /** watch: how many watchers watch the key space across the run. */
  watcherCount?: number;
  /** watch: how often every watcher asks for a progress notification (a bookmark) during the run. */
  progressRequestIntervalMs?: number;
  /** watch: how long, after healing, watchers and the history read-back get to catch up. */
  catchUpMs?: number;
  /** register, mixed: the linearizability search's budget. */
  linearizability?: LinearizabilityOptions;
  /** How long setup retries before the run gives up. */
  setupTimeoutMs?: number;
}

export const workloadDefaults = {
  registerKeyCount: 6,
  appendKeyCount: 6,
  watchKeyCount: 8,
  /** About 300 turns per key: decided in well under a second with many unknown outcomes. */
  keyGenerationTurns: 2_000,
  accountCount: 5,
  accountBalance: 100,
  /** The largest transfer, so most transfers succeed and balances move both ways. */
  transferAmountMax: 20,
  watcherCount: 6,
  progressRequestIntervalMs: 1_000,
  catchUpMs: 20_000,
  setupTimeoutMs: 30_000,
} as const;
