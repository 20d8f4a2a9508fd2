// Seeded random sequences of the writes a raft driver makes, valid as Raft
// would make them: terms never decrease along the log, committed entries are
// never overwritten with different ones, snapshots are taken at or below the
// commit index and compaction stops at the snapshot. Each write is chosen from
// the model's current state, so the caller must apply it to the model.

import {
  SeededRandom,
  type ConfState,
  type Entry,
  type HardState,
  type MemoryStorage,
} from '../../../store/raft/index.js';
import { ent, type Write } from '../raft/storage-conformance.js';

function randomId(rnd: SeededRandom): bigint {
  // Half small ids, half full 64-bit ones (above 2^53 most of the time).
  if (rnd.chance(0.5)) return BigInt(1 + rnd.int(5));
  return (BigInt(rnd.next32()) << 32n) | BigInt(rnd.next32());
}

function randomConf(rnd: SeededRandom): ConfState {
  const voters = [randomId(rnd), randomId(rnd), randomId(rnd)];
  return { voters, learners: rnd.chance(0.3) ? [randomId(rnd)] : [] };
}

function run(first: number, count: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let k = 0; k < count; k++) out.push(ent(first + k, term));
  return out;
}

function hardState(
  rnd: SeededRandom,
  m: MemoryStorage,
  term: number,
  lastAfter: number,
): HardState {
  const commit = m.hardState().commit;
  return {
    term: Math.max(term, m.hardState().term),
    vote: randomId(rnd),
    commit: commit + rnd.int(lastAfter - commit + 1),
  };
}

export function nextWrite(rnd: SeededRandom, m: MemoryStorage): Write {
  const offset = m.firstIndex() - 1;
  const last = m.lastIndex();
  const lastTerm = m.term(last)!;
  const { commit, term: hsTerm } = m.hardState();
  const snapIndex = m.snapshot().metadata.index;
  const roll = rnd.int(100);

  if (roll < 10 && snapIndex < commit) {
    const index = snapIndex + 1 + rnd.int(commit - snapIndex);
    return { op: 'createSnapshot', index, confState: randomConf(rnd), data: Uint8Array.of(roll) };
  }
  if (roll < 20 && offset < snapIndex) {
    return { op: 'compact', index: offset + 1 + rnd.int(snapIndex - offset) };
  }
  if (roll < 25) {
    // A snapshot from the leader, beyond everything we hold, maybe with entries after it.
    const index = last + 1 + rnd.int(5);
    const term = Math.max(hsTerm, lastTerm) + rnd.int(2);
    const snapshot = {
      metadata: { index, term, confState: randomConf(rnd) },
      data: Uint8Array.of(1),
    };
    const entries = rnd.chance(0.5) ? run(index + 1, 1 + rnd.int(3), term) : [];
    const hs = { term, vote: randomId(rnd), commit: index };
    return { op: 'persist', rd: { snapshot, entries, hardState: hs } };
  }

  let entries: Entry[];
  const kind = rnd.int(3);
  const floor = Math.max(commit, offset);
  if (kind === 1 && floor < last) {
    // A new leader's entries overwrite an uncommitted suffix.
    const start = floor + 1 + rnd.int(last - floor);
    entries = run(start, 1 + rnd.int(5), Math.max(hsTerm, lastTerm) + 1);
  } else if (kind === 2) {
    // A resent range reaching back behind the log start: the old part is skipped.
    const start = Math.max(1, offset - rnd.int(3));
    entries = [];
    for (let i = start; i <= last; i++) entries.push(ent(i, m.term(Math.max(i, offset))!));
    entries.push(...run(last + 1, 1 + rnd.int(3), lastTerm));
  } else {
    entries = run(last + 1, 1 + rnd.int(5), lastTerm + rnd.int(2));
  }
  const lastAfter = entries.at(-1)!.index;
  const termAfter = entries.at(-1)!.term;
  if (rnd.chance(0.3)) return { op: 'persist', rd: { entries } };
  return { op: 'persist', rd: { entries, hardState: hardState(rnd, m, termAfter, lastAfter) } };
}

/** Makes `steps` writes; `apply` must apply each to the model before the next is chosen. */
export async function randomWrites(
  seed: number,
  model: MemoryStorage,
  steps: number,
  apply: (w: Write, step: number) => Promise<void>,
): Promise<void> {
  const rnd = new SeededRandom(seed);
  for (let step = 0; step < steps; step++) await apply(nextWrite(rnd, model), step);
}
