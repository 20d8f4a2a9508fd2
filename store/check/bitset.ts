// A fixed-size set of operation indices, as 32-bit words, that keeps a hash of
// its contents up to date on every change. The search adds or removes one
// operation per step and looks the set up in its cache each time, so hashing
// must not cost a pass over the words: each bit owns a pseudo-random 53-bit
// key and the set's hash is the XOR of the keys of its members (Zobrist
// hashing), updated in O(1) by `add` and `delete`.

import { invariant } from './errors.js';

const BITS_PER_WORD = 32;
const WORD_INDEX_SHIFT = 5; // log2(BITS_PER_WORD)
const BIT_IN_WORD_MASK = BITS_PER_WORD - 1;

/** Hash keys are 53 bits (21 high + 32 low) so they stay exact as a JS number and a Map key. */
const HASH_HIGH_BITS_MASK = 0x1fffff;
const TWO_POW_32 = 0x100000000;

// MurmurHash3's 32-bit finalizer constants: a bijective mix with good avalanche.
const MIX_MULTIPLIER_1 = 0x85ebca6b;
const MIX_MULTIPLIER_2 = 0xc2b2ae35;
// Distinct seeds for the low and high halves of a bit's key (the golden ratio and pi in hex).
const LOW_KEY_SEED = 0x9e3779b9;
const HIGH_KEY_SEED = 0x243f6a88;

/** MurmurHash3's finalizer: a bijection on 32-bit integers that spreads every input bit. */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, MIX_MULTIPLIER_1);
  h ^= h >>> 13;
  h = Math.imul(h, MIX_MULTIPLIER_2);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Bitset {
  private readonly words: Uint32Array;
  private hashLow = 0;
  private hashHigh = 0;

  constructor(readonly size: number) {
    invariant(Number.isInteger(size) && size >= 0, `bitset size ${size} must be a natural number`);
    this.words = new Uint32Array(Math.ceil(size / BITS_PER_WORD));
  }

  has(index: number): boolean {
    this.checkIndex(index);
    const word = this.words[index >>> WORD_INDEX_SHIFT]!;
    return ((word >>> (index & BIT_IN_WORD_MASK)) & 1) === 1;
  }

  add(index: number): void {
    invariant(!this.has(index), `bit ${index} is already set`);
    this.toggle(index);
  }

  delete(index: number): void {
    invariant(this.has(index), `bit ${index} is not set`);
    this.toggle(index);
  }

  /** A 53-bit hash of the members; equal sets of the same size have equal hashes. */
  hash(): number {
    return (this.hashHigh & HASH_HIGH_BITS_MASK) * TWO_POW_32 + (this.hashLow >>> 0);
  }

  /** The members, as a frozen copy of the words, for storing in a cache. */
  snapshot(): Uint32Array {
    return this.words.slice();
  }

  /** Whether `words` (from `snapshot` of a set of the same size) holds exactly these members. */
  equalsSnapshot(words: Uint32Array): boolean {
    if (words.length !== this.words.length) return false;
    for (let i = 0; i < words.length; i++) {
      if (words[i] !== this.words[i]) return false;
    }
    return true;
  }

  /** Whether every member of `words` (a snapshot of a set of the same size) is in this set. */
  containsSnapshot(words: Uint32Array): boolean {
    if (words.length !== this.words.length) return false;
    for (let i = 0; i < words.length; i++) {
      if ((words[i]! & ~this.words[i]!) !== 0) return false;
    }
    return true;
  }

  /** Whether every member of this set is in `words` (a snapshot of a set of the same size). */
  isWithinSnapshot(words: Uint32Array): boolean {
    if (words.length !== this.words.length) return false;
    for (let i = 0; i < words.length; i++) {
      if ((this.words[i]! & ~words[i]!) !== 0) return false;
    }
    return true;
  }

  private toggle(index: number): void {
    const w = index >>> WORD_INDEX_SHIFT;
    this.words[w] = this.words[w]! ^ (1 << (index & BIT_IN_WORD_MASK));
    this.hashLow ^= mix32(index ^ LOW_KEY_SEED);
    this.hashHigh ^= mix32(index ^ HIGH_KEY_SEED);
  }

  private checkIndex(index: number): void {
    invariant(
      Number.isInteger(index) && index >= 0 && index < this.size,
      `bit ${index} is outside a bitset of size ${this.size}`,
    );
  }
}
