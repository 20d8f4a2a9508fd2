// The reads a workload makes after healing, recorded like any operation on a
// logical client of their own (numbered after the workers). The cluster has
// just recovered, so a read is retried a few times before the checks are
// left without one.

import type { CallOptions, Client } from '../../client/index.js';
import type { OpRecord } from '../types.js';
import type { Recorder } from '../workload.js';
import { perform, type Answer, type Performed } from './perform.js';

/** Attempts of a final read before its checks are judged without it. */
const finalReadAttemptsMax = 5;
const finalReadRetryMs = 500;

export interface FinalReadContext {
  recorder: Recorder;
  opTimeoutMs: number;
  /** The logical client of the final reads. */
  clientIndex: number;
}

/** Every attempt's record, and the answer of the first that succeeded. */
export async function finalRead<T extends Record<string, unknown>>(
  ctx: FinalReadContext,
  client: Client,
  input: Record<string, unknown>,
  request: (o: CallOptions) => Promise<Answer<T>>,
): Promise<{ ops: OpRecord[]; result: Performed<T> }> {
  const ops: OpRecord[] = [];
  for (let attempt = 1; ; attempt++) {
    const result = await perform(ctx, ctx.clientIndex, client, input, 'read', request);
    ops.push(result.op);
    if (result.outcome === 'ok' || attempt >= finalReadAttemptsMax) return { ops, result };
    await new Promise((resolve) => setTimeout(resolve, finalReadRetryMs));
  }
}
