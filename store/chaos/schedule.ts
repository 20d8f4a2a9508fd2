// The fault schedule of a run, a pure function of the seed: when each fault
// starts, which nemesis it is, and the seed its own random choices (which
// member, which crash point, how much latency) are drawn from. The same
// --seed gives the same schedule; the members it hits can still differ
// where a choice depends on the cluster (who leads at that moment).
//
// Nemeses are dealt like cards: every selected nemesis runs once, in a
// shuffled order, before any runs again — so a short run still covers each.

import { SeededRandom } from '../raft/index.js';
import type { NemesisKind } from './types.js';

export interface PlannedFault {
  /** Index in the schedule. */
  index: number;
  kind: NemesisKind;
  /** Milliseconds since the run started. */
  atMs: number;
  /** The seed of this fault's own choices. */
  seed: number;
}

export interface ScheduleOptions {
  seed: number;
  nemeses: readonly NemesisKind[];
  durationMs: number;
  faultIntervalMs: number;
  faultDurationMs: number;
}

export function planSchedule(o: ScheduleOptions): PlannedFault[] {
  if (o.faultIntervalMs <= 0) throw new RangeError('faultIntervalMs must be positive');
  if (o.faultDurationMs <= 0) throw new RangeError('faultDurationMs must be positive');
  const out: PlannedFault[] = [];
  if (o.nemeses.length === 0) return out;
  const rng = new SeededRandom(o.seed);
  let deck: NemesisKind[] = [];
  // The first fault after one interval of calm, then one per interval, each
  // healed before the load phase ends.
  for (
    let atMs = o.faultIntervalMs;
    atMs + o.faultDurationMs <= o.durationMs;
    atMs += o.faultIntervalMs
  ) {
    if (deck.length === 0) deck = shuffled(o.nemeses, rng);
    out.push({ index: out.length, kind: deck.pop()!, atMs, seed: rng.next32() });
  }
  return out;
}

function shuffled<T>(items: readonly T[], rng: SeededRandom): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.float() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
