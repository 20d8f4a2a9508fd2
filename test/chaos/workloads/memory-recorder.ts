// A recorder that keeps the history in memory, for running workloads in
// tests without the runner.

import { performance } from 'node:perf_hooks';

import type { HistoryRecord, OpRecord, WorkloadKind } from '../../../store/chaos/types.js';
import type { Recorder } from '../../../store/chaos/workload.js';

export class MemoryRecorder implements Recorder {
  readonly history: HistoryRecord[] = [];
  private readonly startMs = performance.now();
  private nextId = 0;

  constructor(private readonly workload: WorkloadKind) {}

  now(): number {
    return performance.now() - this.startMs;
  }

  invoke(client: number, input: Record<string, unknown>): OpRecord {
    const op: OpRecord = {
      type: 'op',
      id: this.nextId++,
      client,
      workload: this.workload,
      input,
      invokeMs: this.now(),
      completeMs: undefined,
      outcome: 'pending',
    };
    this.history.push(op);
    return op;
  }

  complete(
    op: OpRecord,
    outcome: 'ok' | 'fail' | 'unknown',
    result: {
      output?: Record<string, unknown>;
      member?: string;
      revision?: number;
      error?: string;
    },
  ): void {
    if (op.outcome !== 'pending') throw new Error(`operation ${op.id} completed twice`);
    op.completeMs = this.now();
    op.outcome = outcome;
    Object.assign(op, result);
  }

  record(r: HistoryRecord): void {
    this.history.push(r);
  }

  ops(): OpRecord[] {
    return this.history.filter((r): r is OpRecord => r.type === 'op');
  }
}
