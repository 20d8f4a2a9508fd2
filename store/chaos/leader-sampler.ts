// Samples who leads, every sampleIntervalMs, by asking every member for its
// Status (cluster.ts leaderOf), and records a LeaderSample whenever the
// answer changes — the leader row of the report's timeline.

import { leaderOf, statusTimeoutMs, type ChaosCluster } from './cluster.js';
import type { LeaderSample } from './types.js';

export const sampleIntervalMs = 250;

export class LeaderSampler {
  current: LeaderSample | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly now: () => number,
    private readonly record: (s: LeaderSample) => void,
  ) {}

  start(): void {
    const loop = (): void => {
      if (this.stopped) return;
      this.running = this.sampleOnce().then(
        () => undefined,
        () => undefined,
      );
      void this.running.finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, sampleIntervalMs);
      });
    };
    loop();
  }

  async sampleOnce(): Promise<LeaderSample> {
    const atMs = this.now();
    const views = await this.cluster.views(statusTimeoutMs);
    const { leader, term } = leaderOf(views, this.cluster.memberNames);
    const sample: LeaderSample = { type: 'leader', atMs, leader, term };
    const prev = this.current;
    if (!prev || prev.leader !== leader || prev.term !== term) {
      this.current = sample;
      if (!this.stopped) this.record(sample);
    }
    return sample;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running.catch(() => undefined);
  }
}
