// The run's progress: on a terminal one line redrawn in place (elapsed,
// ops/s, errors, leader, active fault); otherwise a plain line every few
// seconds, for CI logs.

export interface ProgressSnapshot {
  /** 'load' while clients run; then what the run is doing ('healing', 'recovering', 'checking'). */
  phase: string;
  elapsedMs: number;
  durationMs: number;
  completed: number;
  errors: number;
  leader: string | undefined;
  fault: string | undefined;
}

export const ttyRedrawMs = 500;
export const plainLineMs = 5_000;

export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private lastCompleted = 0;
  private lastMs = 0;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly snapshot: () => ProgressSnapshot,
  ) {}

  get isTty(): boolean {
    return this.out.isTTY === true;
  }

  start(): void {
    this.timer = setInterval(() => this.draw(), this.isTty ? ttyRedrawMs : plainLineMs);
    this.timer.unref();
  }

  /** A line of its own (a fault applied, healed), without breaking the live line. */
  log(line: string): void {
    if (this.isTty && this.drawn) this.out.write('\r\x1b[2K');
    this.out.write(`${line}\n`);
    if (this.isTty && this.drawn) this.draw();
  }

  line(s: ProgressSnapshot): string {
    const dtMs = s.elapsedMs - this.lastMs;
    const rate = dtMs > 0 ? ((s.completed - this.lastCompleted) * 1000) / dtMs : 0;
    this.lastCompleted = s.completed;
    this.lastMs = s.elapsedMs;
    const secs = (ms: number): string => `${(ms / 1000).toFixed(0)}s`;
    const when = s.phase === 'load' ? `${secs(s.elapsedMs)}/${secs(s.durationMs)}` : s.phase;
    return (
      `[${when}] ${rate.toFixed(0)} ops/s, ` +
      `${s.completed} done, ${s.errors} errors, leader ${s.leader ?? 'none'}, ` +
      `fault: ${s.fault ?? 'none'}`
    );
  }

  private draw(): void {
    const text = this.line(this.snapshot());
    if (this.isTty) {
      const columns = (this.out as { columns?: number }).columns;
      const width = columns !== undefined && columns > 20 ? columns : 120;
      this.out.write(`\r\x1b[2K${text.slice(0, width - 1)}`);
      this.drawn = true;
    } else {
      this.out.write(`${text}\n`);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.isTty && this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }
}
