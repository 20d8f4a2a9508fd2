// The nemesis: runs the seeded schedule (schedule.ts) against a local
// cluster while the load runs — apply a fault, hold it faultDurationMs, heal
// it, record the window — and at the end heals everything, whatever state
// the faults left: network healed, paused members resumed, killed ones
// restarted, removed ones added back and promoted (healAll).

import { SeededRandom } from '../raft/index.js';
import { leaderOf, statusTimeoutMs, type LocalChaosCluster } from './cluster.js';
import { applyFault } from './faults.js';
import { restoreMembership } from './membership.js';
import type { PlannedFault } from './schedule.js';
import type { FaultRecord } from './types.js';

export interface NemesisOptions {
  cluster: LocalChaosCluster;
  schedule: readonly PlannedFault[];
  faultDurationMs: number;
  electionTimeoutMs: number;
  /** Milliseconds since the run started. */
  now: () => number;
  /** Receives every fault record: once when it starts (endMs undefined), once healed. */
  record: (r: FaultRecord, phase: 'start' | 'end') => void;
  log: (line: string) => void;
}

/** How long the final heal may take to bring back every member. */
export const healAllTimeoutMs = 60_000;

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export class Nemesis {
  /** The fault being held now, for the progress line. */
  active: FaultRecord | undefined;
  readonly faults: FaultRecord[] = [];

  constructor(private readonly o: NemesisOptions) {}

  async leader(): Promise<string | undefined> {
    const views = await this.o.cluster.views(statusTimeoutMs);
    return leaderOf(views, this.o.cluster.memberNames).leader;
  }

  /** Runs the schedule until it ends or `signal` aborts (the load phase is over). */
  async run(signal: AbortSignal): Promise<void> {
    for (const planned of this.o.schedule) {
      await sleep(planned.atMs - this.o.now(), signal);
      if (signal.aborted) return;
      await this.one(planned, signal);
    }
  }

  private async one(planned: PlannedFault, signal: AbortSignal): Promise<void> {
    const o = this.o;
    const record: FaultRecord = {
      type: 'fault',
      kind: planned.kind,
      targets: [],
      detail: 'applying',
      startMs: o.now(),
      endMs: undefined,
    };
    this.active = record;
    let heal: (() => Promise<string | void>) | undefined;
    try {
      const applied = await applyFault(planned.kind, {
        cluster: o.cluster,
        rng: new SeededRandom(planned.seed),
        faultDurationMs: o.faultDurationMs,
        electionTimeoutMs: o.electionTimeoutMs,
        snapshotCount: o.cluster.file.snapshotCount ?? 0,
        signal,
        leader: () => this.leader(),
      });
      record.targets = applied.targets;
      record.detail = applied.detail;
      heal = applied.heal;
    } catch (e) {
      record.detail = `${planned.kind} failed to apply: ${e instanceof Error ? e.message : String(e)}`;
    }
    o.record(record, 'start');
    o.log(`fault ${planned.index + 1}: ${planned.kind}: ${record.detail}`);
    await sleep(record.startMs + o.faultDurationMs - o.now(), signal);
    try {
      const better = await heal?.();
      if (typeof better === 'string') record.detail = better;
    } catch (e) {
      record.detail += ` (heal failed: ${e instanceof Error ? e.message : String(e)}; healed at the end)`;
    }
    // Level-triggered: whatever else is down now (a member that died on its
    // own is a finding, recorded by the cluster) comes back before the next fault.
    for (const n of o.cluster.members())
      if (o.cluster.stateOf(n) === 'stopped') o.cluster.launch(n);
    record.endMs = o.now();
    this.active = undefined;
    this.faults.push(record);
    o.record(record, 'end');
    o.log(`healed ${planned.kind} after ${Math.round(record.endMs - record.startMs)} ms`);
  }

  /** Undoes every fault there may still be, whatever caused it. Throws if the cluster cannot be made whole. */
  async healAll(): Promise<void> {
    const c = this.o.cluster;
    await c.network.heal();
    for (const n of c.names()) if (c.stateOf(n) === 'paused') c.resume(n);
    for (const n of c.members()) if (c.stateOf(n) === 'stopped') c.launch(n);
    await restoreMembership(c, healAllTimeoutMs);
  }
}
