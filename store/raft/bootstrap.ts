// How a new cluster's first members start: each one's storage holds a
// snapshot at index 1, term 1, whose configuration lists the initial voters
// (and an empty state machine). Members added later start with empty storage
// and receive a snapshot from the leader, so every member learns the
// configuration the same way.

import type { MemoryStorage } from './memory-storage.js';
import { None, type NodeId, type Snapshot } from './types.js';

export const bootstrapIndex = 1;
export const bootstrapTerm = 1;

export function bootstrapSnapshot(voters: readonly NodeId[], data = new Uint8Array(0)): Snapshot {
  return {
    metadata: {
      index: bootstrapIndex,
      term: bootstrapTerm,
      confState: { voters: [...voters], learners: [] },
    },
    data,
  };
}

/** Writes the bootstrap snapshot and hard state into an empty storage. */
export function bootstrapMemoryStorage(storage: MemoryStorage, voters: readonly NodeId[]): void {
  storage.applySnapshot(bootstrapSnapshot(voters));
  storage.setHardState({ term: bootstrapTerm, vote: None, commit: bootstrapIndex });
}
