// Reads back what the store committed during a run, as the watch validator's
// KvHistory: one watch over every key from the run's first revision, with
// previous versions (the history starts after revision 1, so the validator
// cannot derive them), until it has delivered every revision up to the
// last one. Run after healing, against the healthy cluster.

import type { Client } from '../../client/index.js';
import type { CommittedRevision, KvHistory, WatchEvent } from '../../check/index.js';
import { eventOf } from './watch-observer.js';

/** How often a read-back with nothing left to deliver asks for a progress notification. */
const progressRequestIntervalMs = 250;

export async function readKvHistory(
  client: Client,
  fromRevision: number,
  throughRevision: number,
  timeoutMs: number,
): Promise<KvHistory> {
  const history: KvHistory = {
    revisions: [],
    knownFrom: fromRevision,
    knownThrough: throughRevision,
    hasPrevKv: true,
  };
  if (throughRevision < fromRevision) return history;
  const revisions: { revision: number; events: WatchEvent[] }[] = [];
  const watcher = client.watch({
    key: '',
    prefix: true,
    startRevision: fromRevision,
    prevKv: true,
  });
  const timer = setTimeout(() => void watcher.cancel(), timeoutMs);
  const ticker = setInterval(() => watcher.requestProgress(), progressRequestIntervalMs);
  let covered = fromRevision - 1;
  try {
    for await (const r of watcher) {
      for (const e of r.events) {
        const event = eventOf(e);
        const revision = event.modRevision;
        if (revision > throughRevision) continue;
        const last = revisions.at(-1);
        if (last?.revision === revision) last.events.push(event);
        else revisions.push({ revision, events: [event] });
        covered = Math.max(covered, revision);
      }
      if (r.progress) covered = Math.max(covered, Number(r.revision));
      if (r.events.length > 0) covered = Math.max(covered, Number(r.events.at(-1)!.kv.modRevision));
      if (covered >= throughRevision) break;
    }
  } finally {
    clearTimeout(timer);
    clearInterval(ticker);
    await watcher.cancel();
  }
  if (covered < throughRevision) {
    throw new Error(
      `reading the history back reached revision ${covered} of ${throughRevision} in ${timeoutMs} ms`,
    );
  }
  return { ...history, revisions: revisions as CommittedRevision[] };
}
