// The watch workload: writers put, delete and write several keys in one txn
// on a small key set, while watchers (watch-observer.ts) watch it across the
// whole run — from the revision setup ends at, through faults that kill or
// cut off their members, resuming elsewhere — with a variety of ranges,
// filters and prevKv. After healing, check():
//  1. reads the store's revision R (every acknowledged write is ≤ R);
//  2. lets every watcher catch up to R (progress requests make a watcher
//     whose keys were not written lately show that it has);
//  3. reads the committed history [start, R] back with one watch on the
//     healed cluster (kv-history-reader.ts);
//  4. records each watcher's observations, required through R, and judges
//     them with store/check's validator (checks/watch.ts).
// Watchers run from setup() to check(): the runner returns from runClient
// before healing, and a watcher's job is exactly to outlive the faults.

import type { CallOptions, Client } from '../../client/index.js';
import type { WatcherObservation } from '../../check/index.js';
import { checkRecorded, checkWatchLostWrites, checkWatchVerdict } from '../checks/index.js';
import type { WatchInput, WatchWriteOp } from '../checks/index.js';
import type { CheckVerdict } from '../types.js';
import type { FinalContext, Recorder, Workload, WorkloadContext } from '../workload.js';
import { finalRead } from './final-read.js';
import { withRecords } from './history.js';
import { randomInt, shuffled, weighted } from './key-space.js';
import { workloadDefaults, type WorkloadOptions } from './options.js';
import { pause, perform, untilOk, type Answer } from './perform.js';
import { deleteKeys, putKey, writeTxn } from './requests.js';
import { readKvHistory } from './kv-history-reader.js';
import { WatchObserver, type WatcherSpec } from './watch-observer.js';

/** How often a watcher still catching up is asked for a progress notification. */
const catchUpProgressIntervalMs = 250;
/** Writes per multi-key txn: 2 up to this many (never more than the keys). */
const txnWritesMax = 3;

type Action = 'put' | 'delete' | 'txn';
const writeMix: readonly (readonly [number, Action])[] = [
  [50, 'put'],
  [20, 'delete'],
  [30, 'txn'],
];

export class WatchWorkload implements Workload {
  readonly kind = 'watch';
  private readonly prefix: string;
  private readonly keys: string[];
  private readonly observers: WatchObserver[] = [];
  private startRevision = 0;
  private progressTicker: NodeJS.Timeout | undefined;
  private recorder: Recorder | undefined;
  private opTimeoutMs = 0;
  private clientCount = 0;

  constructor(private readonly o: WorkloadOptions = {}) {
    this.prefix = o.prefix ?? 'chaos/watch/';
    const count = o.keyCount ?? workloadDefaults.watchKeyCount;
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new RangeError(`chaos workload: keyCount must be a positive integer, got ${count}`);
    }
    this.keys = Array.from({ length: count }, (_, i) => `${this.prefix}k${i}`);
  }

  async setup(ctx: WorkloadContext): Promise<void> {
    this.recorder = ctx.recorder;
    this.opTimeoutMs = ctx.opTimeoutMs;
    this.clientCount = ctx.clients.length;
    const client = ctx.clients[0]!;
    const deadline = Date.now() + (this.o.setupTimeoutMs ?? workloadDefaults.setupTimeoutMs);
    await untilOk('deleting the key space', deadline, () =>
      perform(ctx, 0, client, { f: 'delete-prefix', prefix: this.prefix }, 'write', (o) =>
        deleteKeys(client, this.prefix, { ...o, prefix: true }),
      ),
    );
    const input: WatchInput = { f: 'revision', prefix: this.prefix };
    const at = await untilOk('reading the start revision', deadline, () =>
      perform(ctx, 0, client, { ...input }, 'read', (o) => revisionOf(client, this.prefix, o)),
    );
    this.startRevision = at.revision + 1;
    const count = this.o.watcherCount ?? workloadDefaults.watcherCount;
    for (let i = 0; i < count; i++) {
      const spec = this.watcherSpec(i);
      this.observers.push(new WatchObserver(ctx.clients[i % ctx.clients.length]!, `w${i}`, spec));
    }
    // Bookmarks during the run, so "bookmarkable" is judged under faults too. (capstan answers a
    // progress request once every watcher of the stream has caught up; etcd 3.4 answers at once,
    // which the validator may rightly flag: etcd issue 15220.)
    const everyMs = this.o.progressRequestIntervalMs ?? workloadDefaults.progressRequestIntervalMs;
    this.progressTicker = setInterval(() => {
      for (const w of this.observers) w.requestProgress();
    }, everyMs);
    this.progressTicker.unref();
  }

  /** A variety of what etcd's watch offers: prefixes, one key, a range, filters, prevKv. */
  private watcherSpec(i: number): WatcherSpec {
    const from = { startRevision: this.startRevision };
    const all = { key: this.prefix, prefix: true, ...from };
    const k = (n: number): string => this.keys[Math.min(n, this.keys.length - 1)]!;
    switch (i % 6) {
      case 0:
        return { ...all, prevKv: true };
      case 1:
        return all;
      case 2:
        return { key: k(0), ...from };
      case 3:
        return { key: k(2), rangeEnd: `${this.prefix}k5`, noDelete: true, ...from };
      case 4:
        return { ...all, noPut: true };
      default:
        return { ...all, prevKv: true, noDelete: true };
    }
  }

  async runClient(index: number, ctx: WorkloadContext): Promise<void> {
    const client = ctx.clients[index]!;
    let seq = 0;
    const nextValue = (): string => `${index}.${seq++}`;
    while (!ctx.signal.aborted) {
      const action = weighted(ctx.random, writeMix);
      const [key] = shuffled(this.keys, ctx.random) as [string];
      const run = <T extends Record<string, unknown>>(
        input: WatchInput,
        request: (o: CallOptions) => Promise<Answer<T>>,
      ) => perform(ctx, index, client, { ...input }, 'write', request);
      if (action === 'put' || this.keys.length < 2) {
        const value = nextValue();
        await run({ f: 'put', key, value }, (o) => putKey(client, key, value, o));
      } else if (action === 'delete') {
        await run({ f: 'delete', key }, (o) => deleteKeys(client, key, o));
      } else {
        const n = 2 + randomInt(ctx.random, Math.min(txnWritesMax, this.keys.length) - 1);
        const ops = shuffled(this.keys, ctx.random)
          .slice(0, n)
          .map((k): WatchWriteOp =>
            ctx.random() < 0.7 ? { f: 'put', key: k, value: nextValue() } : { f: 'delete', key: k },
          );
        await run({ f: 'txn', ops }, (o) => writeTxn(client, ops, o));
      }
      await pause(ctx.pauseMs, ctx.signal);
    }
  }

  async check(ctx: FinalContext): Promise<CheckVerdict[]> {
    const recorder = this.recorder;
    if (recorder === undefined) throw new Error('chaos workload: check() before setup()');
    clearInterval(this.progressTicker);
    const catchUpMs = this.o.catchUpMs ?? workloadDefaults.catchUpMs;
    const input: WatchInput = { f: 'revision', prefix: this.prefix, final: true };
    const end = await finalRead(
      { recorder, opTimeoutMs: this.opTimeoutMs, clientIndex: this.clientCount },
      ctx.client,
      { ...input },
      (o) => revisionOf(ctx.client, this.prefix, o),
    );
    const history = withRecords(ctx.history, end.ops);
    const verdicts = checkRecorded('watch', history);
    if (end.result.outcome !== 'ok') {
      await this.stopWatchers(undefined);
      const explanation = `the store's final revision could not be read: ${end.result.op.error}`;
      verdicts.push({ check: 'watch', ok: false, explanation });
      verdicts.push({ check: 'lost-writes', ok: false, explanation });
      return verdicts;
    }
    const through = end.result.revision;
    const notes = await this.catchUp(through, catchUpMs);
    let kv;
    try {
      kv = await readKvHistory(ctx.client, this.startRevision, through, catchUpMs);
    } catch (e) {
      await this.stopWatchers(through);
      const explanation = `the committed history could not be read back: ${e instanceof Error ? e.message : String(e)}`;
      verdicts.push({ check: 'watch', ok: false, explanation });
      verdicts.push({ check: 'lost-writes', ok: false, explanation });
      return verdicts;
    }
    const observations = await this.stopWatchers(through);
    verdicts.push(checkWatchVerdict(kv, observations, notes));
    verdicts.push(checkWatchLostWrites(history, kv, this.prefix));
    return verdicts;
  }

  /** Waits until every live watcher has covered `through`; what is still missing, as notes. */
  private async catchUp(through: number, timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    const behind = (): WatchObserver[] =>
      this.observers.filter((w) => !w.done && w.covered < through);
    for (let late = behind(); late.length > 0 && Date.now() < deadline; late = behind()) {
      for (const w of late) w.requestProgress();
      await new Promise((r) => setTimeout(r, catchUpProgressIntervalMs));
    }
    const notes: string[] = [];
    for (const w of this.observers) {
      if (w.error !== undefined) notes.push(`watcher ${w.id} ended early: ${w.error}`);
      else if (w.covered < through) {
        notes.push(
          `watcher ${w.id} had only covered revision ${w.covered} of ${through} after ${timeoutMs} ms of catching up`,
        );
      }
    }
    return notes;
  }

  /** Stops every watcher and records its observation, required through `through` unless it failed. */
  private async stopWatchers(through: number | undefined): Promise<WatcherObservation[]> {
    await Promise.all(this.observers.map((w) => w.stop()));
    return this.observers.map((w) => {
      const observation = w.observation(w.error === undefined ? through : undefined);
      this.recorder!.record({ type: 'watch', observation });
      return observation;
    });
  }
}

/** The store's current revision, from a count-only range over the workload's keys. */
async function revisionOf(
  client: Client,
  prefix: string,
  o: CallOptions,
): Promise<Answer<Record<string, never>>> {
  const r = await client.get(prefix, { ...o, prefix: true, countOnly: true });
  return { output: {}, revision: r.header.revision };
}
