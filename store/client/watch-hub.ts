// The client's watchers and the streams that carry them: at most one Watch
// stream per endpoint, shared by every watcher placed there. A watcher is
// placed on the active endpoint; when its stream fails for a reason
// another member may not have (the connection dropped, UNAVAILABLE, "no
// leader"), the endpoint is marked down and every watcher of the stream is
// re-created elsewhere from its last seen revision + 1, with a backoff per
// watcher while no member can take it. Watches never need the leader
// itself: any member with a leader serves them.
//
// A stream failure that another member would repeat (UNIMPLEMENTED,
// PERMISSION_DENIED, an invalid request) ends its watchers with the typed
// error instead.

import type { Endpoint, EndpointPool } from './connection.js';
import { ClientClosedError, errorFromStatus } from './errors.js';
import type { ClientLogger } from './logger.js';
import { classifyFailure } from './retry.js';
import { Watcher, type WatchHost, type WatchOptions } from './watch.js';
import { WatchStream, type WatchStreamHost } from './watch-stream.js';

export interface WatchLimits {
  /** A watcher fails with WatchOverflowError when its consumer is this many responses behind. */
  watchBufferedResponsesMax: number;
}

/** Backoff of one watcher's re-establishment while no endpoint takes it. */
const reattachDelayBaseMs = 50;
const reattachDelayMaxMs = 2_000;

export class WatchHub implements WatchHost, WatchStreamHost {
  private readonly streams = new Map<Endpoint, WatchStream>();
  /** Streams being opened (waiting for a connection), so placements queue in call order. */
  private readonly opening = new Map<Endpoint, Promise<WatchStream | undefined>>();
  /** Which stream carries each watcher (absent while it is being placed). */
  private readonly placed = new Map<Watcher, WatchStream>();
  private readonly watchers = new Set<Watcher>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly pool: EndpointPool,
    private readonly logger: ClientLogger,
    private readonly limits: WatchLimits,
  ) {}

  watch(o: WatchOptions): Watcher {
    const w = new Watcher(this, o, this.limits.watchBufferedResponsesMax);
    if (this.closed) {
      w.fail(new ClientClosedError());
      return w;
    }
    this.watchers.add(w);
    void this.place(w);
    return w;
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Sends a progress request on every stream. */
  requestProgressAll(): void {
    for (const s of this.streams.values()) s.requestProgress();
  }

  // ------------------------------------------------------------ WatchHost

  detach(w: Watcher): void {
    this.watchers.delete(w);
    const s = this.placed.get(w);
    this.placed.delete(w);
    s?.remove(w);
  }

  requestProgress(w: Watcher): void {
    this.placed.get(w)?.requestProgress();
  }

  // ------------------------------------------------------ WatchStreamHost

  onBroken(stream: WatchStream, err: unknown, watchers: Watcher[]): void {
    if (this.streams.get(stream.endpoint) === stream) this.streams.delete(stream.endpoint);
    for (const w of watchers) this.placed.delete(w);
    if (this.closed) return;
    const kind = classifyFailure(err);
    const typed = errorFromStatus(err, stream.endpoint.address);
    // A stream that ends without a status is as good as a dropped
    // connection: the watch is still wanted.
    const resumable = kind.endpointFailed || typed.grpcCode === undefined;
    this.logger.debug(
      {
        endpoint: stream.endpoint.address,
        error: typed.message,
        watchers: watchers.length,
        resumable,
      },
      'capstan client: watch stream failed',
    );
    if (!resumable) {
      for (const w of watchers) w.fail(typed);
      return;
    }
    this.pool.markFailed(stream.endpoint);
    for (const w of watchers) {
      w.onDetached();
      this.later(w);
    }
  }

  onIdle(stream: WatchStream): void {
    if (this.streams.get(stream.endpoint) === stream) this.streams.delete(stream.endpoint);
    stream.close();
  }

  // -------------------------------------------------------------- placing

  /** Puts a watcher on the stream of the best endpoint that accepts a connection. */
  private async place(w: Watcher): Promise<void> {
    for (const ep of this.pool.order()) {
      if (this.closed || w.done) return;
      const stream = this.streams.get(ep) ?? (await this.open(ep));
      if (this.closed || w.done) return;
      if (stream === undefined) continue;
      this.placed.set(w, stream);
      stream.add(w);
      return;
    }
    this.later(w);
  }

  /** The stream of `ep` once connected; undefined if the endpoint cannot be reached. */
  private open(ep: Endpoint): Promise<WatchStream | undefined> {
    let p = this.opening.get(ep);
    if (p === undefined) {
      p = (async () => {
        try {
          await this.pool.ready(ep, Date.now() + this.pool.limits.dialTimeoutMs);
        } catch {
          this.pool.markFailed(ep);
          return undefined;
        } finally {
          this.opening.delete(ep);
        }
        if (this.closed) return undefined;
        let stream = this.streams.get(ep);
        if (stream === undefined) {
          stream = new WatchStream(ep, this);
          this.streams.set(ep, stream);
        }
        return stream;
      })();
      this.opening.set(ep, p);
    }
    return p;
  }

  private later(w: Watcher): void {
    if (this.closed || w.done) return;
    const delayMs = Math.min(
      reattachDelayBaseMs * 2 ** Math.min(w.attempts, 16),
      reattachDelayMaxMs,
    );
    w.attempts++;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.place(w);
    }, delayMs);
    this.timers.add(t);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.streams.values()) s.close();
    this.streams.clear();
    const err = new ClientClosedError();
    for (const w of [...this.watchers]) w.fail(err);
    this.watchers.clear();
  }
}
