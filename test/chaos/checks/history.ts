// Terse builders of recorded histories for the checks' tests: each call adds
// one OpRecord (ids in order), with times in ms.

import type { HistoryRecord, OpRecord, WorkloadKind } from '../../../store/chaos/types.js';

export interface OpSpec {
  client: number;
  input: Record<string, unknown>;
  at: [number, number | undefined];
  outcome?: 'ok' | 'fail' | 'unknown' | 'pending';
  output?: Record<string, unknown>;
  revision?: number;
}

export class History {
  readonly records: HistoryRecord[] = [];
  private nextId = 0;

  constructor(readonly workload: WorkloadKind) {}

  add(s: OpSpec): OpRecord {
    const outcome = s.outcome ?? 'ok';
    const op: OpRecord = {
      type: 'op',
      id: this.nextId++,
      client: s.client,
      workload: this.workload,
      input: s.input,
      invokeMs: s.at[0],
      completeMs: outcome === 'pending' ? undefined : s.at[1],
      outcome,
      ...(s.output !== undefined && { output: s.output }),
      ...(s.revision !== undefined && { revision: s.revision }),
      ...(outcome === 'fail' || outcome === 'unknown' ? { error: 'test: no answer' } : {}),
    };
    this.records.push(op);
    return op;
  }
}

/** Register-shaped operations: `ok` ones need a revision, like the real thing. */
export class RegisterHistory extends History {
  constructor(kind: 'register' | 'mixed' = 'register') {
    super(kind);
  }

  put(
    client: number,
    key: string,
    value: string,
    at: [number, number],
    revision: number,
    outcome: 'ok' | 'fail' | 'unknown' = 'ok',
  ): OpRecord {
    return this.add({
      client,
      input: { f: 'put', key, value },
      at,
      outcome,
      ...(outcome === 'ok' && { output: {}, revision }),
    });
  }

  get(
    client: number,
    key: string,
    value: string | null,
    at: [number, number],
    revision: number,
    modRevision: number,
    serializable = false,
  ): OpRecord {
    return this.add({
      client,
      input: serializable ? { f: 'get', key, serializable } : { f: 'get', key },
      at,
      output: { value, modRevision },
      revision,
    });
  }

  delete(
    client: number,
    key: string,
    deleted: number,
    at: [number, number],
    revision: number,
  ): OpRecord {
    return this.add({ client, input: { f: 'delete', key }, at, output: { deleted }, revision });
  }

  cas(
    client: number,
    key: string,
    expect: string | null,
    value: string,
    succeeded: boolean,
    at: [number, number],
    revision: number,
  ): OpRecord {
    return this.add({
      client,
      input: { f: 'cas', key, value, expect, compare: 'value' },
      at,
      output: { succeeded },
      revision,
    });
  }

  finalRead(
    prefix: string,
    kvs: { key: string; value: string; modRevision: number }[],
    at: [number, number],
    revision: number,
  ): OpRecord {
    return this.add({
      client: 99,
      input: { f: 'read-all', prefix, final: true },
      at,
      output: { kvs },
      revision,
    });
  }
}
