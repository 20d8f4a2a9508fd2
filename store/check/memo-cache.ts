// Lowe's memoization for the Wing & Gong search, extended for operations whose
// outcome is unknown.
//
// A configuration is the set of operations linearized so far plus the model
// state they led to. Two search paths that reach the same configuration have
// the same future, so the search explores each configuration once (Lowe);
// without this the search is factorial in the number of concurrent operations.
//
// Operations with an unknown return ("optional": they may take effect or not)
// need more than exact matches. Split a configuration's linearized set into
// the required operations R and the optional ones U. Which operations may come
// next depends only on R (optional returns sort last) and U (spent ones are
// gone), so a configuration (R, state, U) can do everything (R, state, U')
// can whenever U is a subset of U': the spare optional operations need never
// be used. Once (R, state, U) is recorded, any (R, state, U') with U' ⊇ U is
// subsumed and skipped. Exact matching alone keeps every subset of the
// pending timed-out writes apart, and an illegal history with a few dozen of
// them then takes exponential time to refute.
//
// Soundness (sketch): claim that if a visited configuration has a completion
// (an order of the operations left that the model accepts), the search
// succeeds. By induction on the length of its shortest completion: the first
// step of that completion leads to a configuration Y with a shorter one; Y is
// either visited (induction), or skipped because a visited D subsumes it, and
// D then has Y's completion too (induction again). Exact matching is U = U'.

import type { Bitset } from './bitset.js';
import { mix32 } from './bitset.js';

// FNV-1a, 32-bit: a cheap, well-spread hash for the short state strings models produce.
const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const HASH_HIGH_BITS_MASK = 0x1fffff;
const TWO_POW_32 = 0x100000000;

function fnv1a32(text: string): number {
  let h = FNV_OFFSET_BASIS;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** All visited configurations sharing one (required set, state): their optional sets. */
interface Family {
  required: Uint32Array;
  stateKey: string;
  /** An antichain: no member is a subset of another (a superset would be subsumed). */
  optionalSets: Uint32Array[];
}

export class MemoCache {
  /** Families bucketed by a 53-bit hash of (required set, state); buckets rarely hold two. */
  private readonly buckets = new Map<number, Family[]>();
  private configurations = 0;

  /** Configurations recorded and not since subsumed. */
  get size(): number {
    return this.configurations;
  }

  /**
   * Records the configuration and returns true, or returns false when a recorded configuration
   * subsumes it (the search has explored, or is exploring, everything that can follow it).
   */
  visitIfNew(required: Bitset, stateKey: string, optional: Bitset): boolean {
    const family = this.familyOf(required, stateKey);
    for (const seen of family.optionalSets) {
      if (optional.containsSnapshot(seen)) return false;
    }
    // The new set subsumes any recorded superset of it; drop those to keep the antichain short.
    const kept = family.optionalSets.filter((seen) => !optional.isWithinSnapshot(seen));
    this.configurations += 1 - (family.optionalSets.length - kept.length);
    kept.push(optional.snapshot());
    family.optionalSets = kept;
    return true;
  }

  private familyOf(required: Bitset, stateKey: string): Family {
    const key = combinedHash(required, stateKey);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(key, bucket);
    }
    for (const family of bucket) {
      if (family.stateKey === stateKey && required.equalsSnapshot(family.required)) return family;
    }
    const family: Family = { required: required.snapshot(), stateKey, optionalSets: [] };
    bucket.push(family);
    return family;
  }
}

function combinedHash(required: Bitset, stateKey: string): number {
  const setHash = required.hash();
  const stateHash = fnv1a32(stateKey);
  const low = ((setHash % TWO_POW_32) ^ stateHash) >>> 0;
  const high = (Math.floor(setHash / TWO_POW_32) ^ mix32(stateHash)) & HASH_HIGH_BITS_MASK;
  return high * TWO_POW_32 + low;
}
