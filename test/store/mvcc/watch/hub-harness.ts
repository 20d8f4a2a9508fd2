// A store on memory with a watch hub listening to it, and sinks that record
// what each watcher is offered — and can refuse, like a full stream.

import assert from 'node:assert/strict';
import { toIndexKey } from '../../../../store/mvcc/keys.js';
import type { MvccEvent } from '../../../../store/mvcc/index.js';
import {
  type HubWatcher,
  WatchHub,
  watchRange,
  type HubResponse,
  type WatchHubLimits,
  type WatchSink,
} from '../../../../store/mvcc/watch/index.js';
import { b, Harness } from '../helpers.js';

export interface Received {
  revision: number;
  events: string[];
  compactRevision?: number;
}

/** `put a=1@5` / `delete a@6`, with ` prev=…` when the event carries a previous version. */
export function describe(e: MvccEvent, withPrev: boolean): string {
  const key = toIndexKey(e.kv.key);
  const prev =
    !withPrev || e.prevKv === undefined
      ? ''
      : ` prev=${toIndexKey(e.prevKv.value)}@${e.prevKv.modRevision}`;
  return e.type === 'put'
    ? `put ${key}=${toIndexKey(e.kv.value)}@${e.kv.modRevision}${prev}`
    : `delete ${key}@${e.kv.modRevision}${prev}`;
}

export class RecordingSink implements WatchSink {
  readonly got = new Map<HubWatcher, Received[]>();
  /** Responses taken and not yet "sent"; ready() while below capacity. */
  queued = 0;
  capacity = Number.POSITIVE_INFINITY;
  progressChecks = 0;

  ready(): boolean {
    return this.queued < this.capacity;
  }

  offer(w: HubWatcher, r: HubResponse): boolean {
    if (r.compactRevision === undefined && !this.ready()) return false;
    this.queued++;
    let list = this.got.get(w);
    if (list === undefined) this.got.set(w, (list = []));
    list.push({
      revision: r.revision,
      events: r.events.map((e) => describe(e, w.options.prevKv)),
      ...(r.compactRevision === undefined ? {} : { compactRevision: r.compactRevision }),
    });
    return true;
  }

  progressCheck(): void {
    this.progressChecks++;
  }

  /** Everything offered to `w` so far, flattened. */
  events(w: HubWatcher): string[] {
    return (this.got.get(w) ?? []).flatMap((r) => r.events);
  }

  responses(w: HubWatcher): Received[] {
    return this.got.get(w) ?? [];
  }

  /** The stream sent everything: room again. */
  drain(hub: WatchHub): void {
    this.queued = 0;
    hub.sinkReady();
  }
}

export class HubHarness {
  readonly hub: WatchHub;

  constructor(
    readonly kv: Harness,
    limits: Partial<WatchHubLimits> = {},
  ) {
    this.hub = new WatchHub({ store: kv.store, limits });
    kv.store.listener = this.hub.listener;
  }

  static async memory(limits: Partial<WatchHubLimits> = {}): Promise<HubHarness> {
    return new HubHarness(await Harness.memory(), limits);
  }

  /** A watcher of [key, end) (end undefined: one key; '\0': from key). */
  watch(
    sink: WatchSink,
    key: string,
    end: string | undefined,
    startRevision = 0,
    o: { prevKv?: boolean; noPut?: boolean; noDelete?: boolean } = {},
  ): HubWatcher {
    return this.hub.watch(
      watchRange(b(key), end === undefined ? undefined : b(end)),
      startRevision,
      { prevKv: o.prevKv ?? false, noPut: o.noPut ?? false, noDelete: o.noDelete ?? false },
      sink,
      undefined,
    );
  }

  /** Until the hub is idle: nothing queued, nobody unsynced with a ready sink. */
  async settle(deadlineMs = 5000): Promise<void> {
    const until = Date.now() + deadlineMs;
    for (;;) {
      // A few turns: dispatch steps, history reads and catch-up rounds chain through setImmediate.
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      const s = this.hub.stats();
      const waiting = [...this.hub.unsynced].some((w) => w.sink.ready());
      if (s.pendingEvents === 0 && !waiting) return;
      if (Date.now() > until)
        assert.fail(`hub not idle within ${deadlineMs} ms: ${JSON.stringify(s)}`);
    }
  }
}

/** Checks one watcher's responses: headers never go down, events never above their header, revisions ascending and unique. */
export function assertWellFormed(responses: readonly Received[]): void {
  let header = 0;
  let lastRev = 0;
  const seen = new Set<string>();
  for (const r of responses) {
    assert.ok(r.revision >= header, `header ${r.revision} after ${header}`);
    header = r.revision;
    for (const e of r.events) {
      const rev = Number(e.split('@')[1]!.split(' ')[0]);
      assert.ok(rev <= r.revision, `${e} above header ${r.revision}`);
      assert.ok(rev >= lastRev, `${e} after revision ${lastRev}`);
      lastRev = rev;
      assert.ok(!seen.has(e), `${e} twice`);
      seen.add(e);
    }
  }
}
