// The workloads of `capstan chaos`: what the clients do during a run and how
// their history is judged (store/chaos/workload.ts is the contract with the
// runner; store/chaos/checks/ holds the verdicts).
//
//   const workload = createWorkload('register');
//   await workload.setup(ctx);                       // before the load
//   await Promise.all(clients.map((_, i) => workload.runClient(i, ctx)));
//   const verdicts = await workload.check(finalCtx); // after healing
//
// check() records its final reads (and, for watch, every watcher's
// observations) through the recorder setup() was given, and returns the
// workload's verdicts plus 'monotonic-revisions' and 'lost-writes'.
// Convergence (HashKV of every member) is left to the runner, which knows
// the members by name.

import type { Workload } from '../workload.js';
import type { WorkloadKind } from '../types.js';
import { AppendWorkload } from './append.js';
import { BankWorkload } from './bank.js';
import type { WorkloadOptions } from './options.js';
import { RegisterWorkload } from './register.js';
import { WatchWorkload } from './watch.js';

export { workloadDefaults, type WorkloadOptions } from './options.js';
export { outcomeOfError } from './outcome.js';
export { readKvHistory } from './kv-history-reader.js';
export { WatchObserver, type WatcherSpec } from './watch-observer.js';

export function createWorkload(kind: WorkloadKind, options: WorkloadOptions = {}): Workload {
  switch (kind) {
    case 'register':
    case 'mixed':
      return new RegisterWorkload(kind, options);
    case 'bank':
      return new BankWorkload(options);
    case 'append':
      return new AppendWorkload(options);
    case 'watch':
      return new WatchWorkload(options);
  }
}
