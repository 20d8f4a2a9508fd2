// The hub's only contact with time: run something soon, or after a delay.
// Timers are unref'd: a hub never keeps a process alive by itself.

export interface HubScheduler {
  /** Runs `fn` after the current I/O phase (setImmediate). */
  soon(fn: () => void): void;
  /** Runs `fn` after `ms`; returns a cancel function. */
  after(fn: () => void, ms: number): () => void;
}

export const nodeScheduler: HubScheduler = {
  soon(fn) {
    setImmediate(fn).unref();
  },
  after(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};
