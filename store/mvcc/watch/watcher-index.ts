// A group of watchers indexed by what they watch, so matching one event
// costs O(1) for single-key watchers plus O(log n + matches) for ranges,
// not one comparison per watcher (etcd's watcherGroup: a key map and an
// interval tree).

import { IntervalTreap } from './interval-treap.js';
import type { HubWatcher } from './watcher.js';

export class WatcherIndex {
  private readonly byKey = new Map<string, Set<HubWatcher>>();
  private readonly ranges = new IntervalTreap<HubWatcher>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(w: HubWatcher): void {
    const { key, end } = w.range;
    if (end === undefined) {
      let set = this.byKey.get(key);
      if (set === undefined) this.byKey.set(key, (set = new Set()));
      set.add(w);
    } else {
      this.ranges.insert(key, end, w.id, w);
    }
    this.count++;
  }

  /** Removes `w`; false when it was not in the group. */
  remove(w: HubWatcher): boolean {
    const { key, end } = w.range;
    let removed: boolean;
    if (end === undefined) {
      const set = this.byKey.get(key);
      removed = set?.delete(w) ?? false;
      if (set !== undefined && set.size === 0) this.byKey.delete(key);
    } else {
      removed = this.ranges.remove(key, w.id);
    }
    if (removed) this.count--;
    return removed;
  }

  /** Calls `visit` for every watcher whose range holds `key` (an index key). */
  match(key: string, visit: (w: HubWatcher) => void): void {
    const set = this.byKey.get(key);
    if (set !== undefined) for (const w of set) visit(w);
    if (this.ranges.size > 0) this.ranges.stab(key, visit);
  }

  /** Every watcher, in no particular order (a copy: the group may change meanwhile). */
  all(): HubWatcher[] {
    const out: HubWatcher[] = [];
    for (const set of this.byKey.values()) for (const w of set) out.push(w);
    this.ranges.forEach((w) => out.push(w));
    return out;
  }
}
