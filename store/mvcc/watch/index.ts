// The watch hub: public surface of store/mvcc/watch.
export { WatchHub, type HubLog, type WatchHubOptions, type WatchHubStats } from './hub.js';
export type { HubStore } from './hub-store.js';
export { inRange, isEmptyRange, watchRange, type WatchRange } from './key-range.js';
export { nodeScheduler, type HubScheduler } from './scheduler.js';
export { resolveHubLimits, watchHubLimits, type WatchHubLimits } from './watch-limits.js';
export {
  HubWatcher,
  type HubResponse,
  type WatchOptions,
  type WatchSink,
  type WatcherState,
} from './watcher.js';
export { WatcherIndex } from './watcher-index.js';
