// The Raft core's public surface.
export * from './types.js';
export * from './errors.js';
export * from './config.js';
export * from './random.js';
export type { Storage, InitialState } from './storage.js';
export { MemoryStorage } from './memory-storage.js';
export { RawNode, confChange, CampaignType, type Ready, type Status } from './raw-node.js';
export {
  ConfChangeType,
  encodeConfChange,
  decodeConfChange,
  type ConfChange,
} from './confchange/conf-change.js';
export { ProgressState } from './progress/progress.js';
export {
  bootstrapSnapshot,
  bootstrapMemoryStorage,
  bootstrapIndex,
  bootstrapTerm,
} from './bootstrap.js';
