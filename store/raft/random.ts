// Randomness for the Raft core comes from an injected source, so a seed
// replays a whole run. `SeededRandom` is a small, fast generator (sfc32) that
// the simulator and the replica both use; a replica seeds it from the OS.

export interface RandomSource {
  /** A uniformly distributed integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
}

export class SeededRandom implements RandomSource {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // Spread the seed over the state with splitmix-style constants, then
    // discard the first outputs so nearby seeds diverge quickly.
    this.a = 0x9e3779b9 ^ seed;
    this.b = 0x243f6a88 ^ Math.imul(seed, 0x85ebca6b);
    this.c = 0xb7e15162 ^ Math.imul(seed ^ (seed >>> 16), 0xc2b2ae35);
    this.d = 1;
    for (let i = 0; i < 16; i++) this.next32();
  }

  /** The next 32-bit unsigned integer. */
  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next32() / 4294967296;
  }

  int(maxExclusive: number): number {
    if (!(maxExclusive > 0)) throw new RangeError(`int(${maxExclusive}): bound must be positive`);
    return Math.floor(this.float() * maxExclusive);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)]!;
  }
}
