// The keys a workload's clients contend on, and the run's randomness.
//
// A small key set makes clients collide (that is what finds bugs), but a
// key's history grows with the run, and the linearizability search (and an
// append list's size) grows with it: a few hundred operations per key,
// even with many unknown outcomes, are decided in well under a second; a
// few thousand may not be decided at all. So, as Jepsen's "independent"
// keys do, the key set is replaced by a fresh one every `generationTurns`
// client turns (over all clients: the workload object is shared): clients
// contend on `keyCount` keys at a time, and no key's history outgrows a
// generation, however fast the cluster is.

export class KeySpace {
  private turns = 0;

  constructor(
    readonly prefix: string,
    readonly keyCount: number,
    readonly generationTurns: number,
  ) {
    if (!Number.isSafeInteger(keyCount) || keyCount < 1) {
      throw new RangeError(`chaos workload: keyCount must be a positive integer, got ${keyCount}`);
    }
    if (!Number.isSafeInteger(generationTurns) || generationTurns < 1) {
      throw new RangeError(
        `chaos workload: keyGenerationTurns must be a positive integer, got ${generationTurns}`,
      );
    }
  }

  /** The i-th key of generation g: `<prefix>g<g>/k<i>`. */
  key(generation: number, index: number): string {
    return `${this.prefix}g${generation}/k${index}`;
  }

  /** For one client turn: `count` distinct keys of the current generation, at random. */
  pick(random: () => number, count = 1): string[] {
    const generation = Math.floor(this.turns++ / this.generationTurns);
    const indexes = shuffled(
      Array.from({ length: this.keyCount }, (_, i) => i),
      random,
    );
    return indexes.slice(0, Math.min(count, this.keyCount)).map((i) => this.key(generation, i));
  }
}

/** A uniform integer in [0, n). */
export function randomInt(random: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** One of `choices`, with probability proportional to its weight. */
export function weighted<T>(random: () => number, choices: readonly (readonly [number, T])[]): T {
  const total = choices.reduce((s, [w]) => s + w, 0);
  let roll = random() * total;
  for (const [w, choice] of choices) {
    if (roll < w) return choice;
    roll -= w;
  }
  return choices.at(-1)![1];
}
