// MemoryTransport: the shared contract in one process.

import { transportConformance } from './conformance.js';
import { snapshotConformance } from './conformance-snapshots.js';
import { memoryHarness } from './memory-harness.js';

transportConformance('MemoryTransport', () => memoryHarness());
snapshotConformance('MemoryTransport', () => memoryHarness());
