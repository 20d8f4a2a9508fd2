// The run's history: every operation as it is invoked and completed, every
// fault window, every leader sample, every watcher's observations — in memory
// for the checks, and appended to history.jsonl as each record is final, so
// a run that dies still leaves what it saw. (At the end the report rewrites
// the file in history order.)

import { createWriteStream, type WriteStream } from 'node:fs';
import type { Recorder } from './workload.js';
import type { FaultRecord, HistoryRecord, OpRecord, WorkloadKind } from './types.js';

export class HistoryRecorder implements Recorder {
  readonly history: HistoryRecord[] = [];
  readonly ops: OpRecord[] = [];
  readonly counts = { ok: 0, fail: 0, unknown: 0 };
  private readonly startedAtMs = performance.now();
  private stream: WriteStream | undefined;

  constructor(
    private readonly workload: WorkloadKind,
    streamPath?: string,
  ) {
    if (streamPath !== undefined) this.stream = createWriteStream(streamPath, { flags: 'w' });
  }

  now(): number {
    return Math.round((performance.now() - this.startedAtMs) * 1000) / 1000;
  }

  invoke(client: number, input: Record<string, unknown>): OpRecord {
    const op: OpRecord = {
      type: 'op',
      id: this.ops.length,
      client,
      workload: this.workload,
      input,
      invokeMs: this.now(),
      completeMs: undefined,
      outcome: 'pending',
    };
    this.ops.push(op);
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
    if (op.outcome !== 'pending') {
      throw new Error(
        `recorder: operation ${op.id} completed twice (${op.outcome}, then ${outcome})`,
      );
    }
    op.completeMs = this.now();
    op.outcome = outcome;
    if (result.output !== undefined) op.output = result.output;
    if (result.member !== undefined) op.member = result.member;
    if (result.revision !== undefined) op.revision = result.revision;
    if (result.error !== undefined) op.error = result.error;
    this.counts[outcome]++;
    this.write(op);
  }

  record(r: HistoryRecord): void {
    this.history.push(r);
    this.write(r);
  }

  /** A fault enters the history when it starts and is written out once healed. */
  fault(r: FaultRecord, phase: 'start' | 'end'): void {
    if (phase === 'start') this.history.push(r);
    else this.write(r);
  }

  /** Operations still pending when the run ends count as outcome-unknown (no completion time). */
  finish(): void {
    for (const op of this.ops) {
      if (op.outcome !== 'pending') continue;
      op.outcome = 'unknown';
      op.error ??= 'still pending when the run ended';
      this.counts.unknown++;
      this.write(op);
    }
  }

  async close(): Promise<void> {
    const s = this.stream;
    this.stream = undefined;
    if (s) await new Promise<void>((r) => s.end(r));
  }

  private write(r: HistoryRecord): void {
    this.stream?.write(`${JSON.stringify(r)}\n`);
  }
}
