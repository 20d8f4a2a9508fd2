// The register and mixed workloads: clients get, put, delete and
// compare-and-set a handful of keys (key-space.ts), and the history is
// checked for linearizability (checks/linearizability.ts).
//
// A compare-and-set is a txn that compares either the value (`compare:
// 'value'`, expecting the value this client last saw) or the mod revision a
// read just returned (`compare: 'mod'`: the read is its own recorded get,
// then the txn), then puts a new value. Every value written is unique
// (`<client>.<seq>`), which is what makes the mod-revision compare checkable
// as a value compare (checks/register-model.ts).
//
// mixed adds what the checker must treat differently: serializable gets,
// which are not linearizable and are checked only against revisions
// (checks/read-revisions.ts), and txns that put two keys at once.

import type { CallOptions, Client } from '../../client/index.js';
import { checkRecorded } from '../checks/index.js';
import type { RegisterInput } from '../checks/index.js';
import type { CheckVerdict, HistoryRecord } from '../types.js';
import type { FinalContext, Recorder, Workload, WorkloadContext } from '../workload.js';
import { KeySpace, weighted } from './key-space.js';
import { workloadDefaults, type WorkloadOptions } from './options.js';
import { finalRead } from './final-read.js';
import { withRecords } from './history.js';
import type { Effect } from './outcome.js';
import { pause, perform, untilOk, type Answer, type Performed } from './perform.js';
import {
  casByModRevision,
  casByValue,
  deleteKeys,
  getKey,
  getPrefix,
  putKey,
  writeTxn,
} from './requests.js';

type Action = 'get' | 'serializable-get' | 'put' | 'txn-put' | 'cas-value' | 'cas-mod' | 'delete';

const registerMix: readonly (readonly [number, Action])[] = [
  [35, 'get'],
  [20, 'put'],
  [15, 'cas-value'],
  [20, 'cas-mod'],
  [10, 'delete'],
];

const mixedMix: readonly (readonly [number, Action])[] = [
  [20, 'get'],
  [15, 'serializable-get'],
  [15, 'put'],
  [10, 'txn-put'],
  [10, 'cas-value'],
  [20, 'cas-mod'],
  [10, 'delete'],
];

export class RegisterWorkload implements Workload {
  private readonly keys: KeySpace;
  private readonly prefix: string;
  private recorder: Recorder | undefined;
  private opTimeoutMs = 0;
  private clientCount = 0;

  constructor(
    readonly kind: 'register' | 'mixed',
    private readonly o: WorkloadOptions = {},
  ) {
    this.prefix = o.prefix ?? `chaos/${kind}/`;
    this.keys = new KeySpace(
      this.prefix,
      o.keyCount ?? workloadDefaults.registerKeyCount,
      o.keyGenerationTurns ?? workloadDefaults.keyGenerationTurns,
    );
  }

  async setup(ctx: WorkloadContext): Promise<void> {
    this.recorder = ctx.recorder;
    this.opTimeoutMs = ctx.opTimeoutMs;
    this.clientCount = ctx.clients.length;
    const deadline = Date.now() + (this.o.setupTimeoutMs ?? workloadDefaults.setupTimeoutMs);
    const input: RegisterInput = { f: 'delete-prefix', prefix: this.prefix };
    await untilOk('deleting the key space', deadline, () =>
      perform(ctx, 0, ctx.clients[0]!, { ...input }, 'write', (o) =>
        deleteKeys(ctx.clients[0]!, this.prefix, { ...o, prefix: true }),
      ),
    );
  }

  async runClient(index: number, ctx: WorkloadContext): Promise<void> {
    const client = ctx.clients[index]!;
    const mix = this.kind === 'mixed' ? mixedMix : registerMix;
    /** The value this client last saw or wrote per key: what a value compare expects. */
    const lastSeen = new Map<string, string | null>();
    let seq = 0;
    const nextValue = (): string => `${index}.${seq++}`;
    while (!ctx.signal.aborted) {
      const action = weighted(ctx.random, mix);
      const [key, other] = this.keys.pick(ctx.random, 2);
      await this.act(action, index, client, ctx, [key!, other], nextValue, lastSeen);
      await pause(ctx.pauseMs, ctx.signal);
    }
  }

  private async act(
    action: Action,
    index: number,
    client: Client,
    ctx: WorkloadContext,
    [key, other]: readonly [string, string | undefined],
    nextValue: () => string,
    lastSeen: Map<string, string | null>,
  ): Promise<void> {
    const run = <T extends Record<string, unknown>>(
      input: RegisterInput,
      effect: Effect,
      request: (o: CallOptions) => Promise<Answer<T>>,
    ): Promise<Performed<T>> => perform(ctx, index, client, { ...input }, effect, request);
    switch (action) {
      case 'get':
      case 'serializable-get': {
        const serializable = action === 'serializable-get';
        const input: RegisterInput = serializable
          ? { f: 'get', key, serializable }
          : { f: 'get', key };
        const r = await run(input, 'read', (o) => getKey(client, key, { ...o, serializable }));
        if (r.outcome === 'ok') lastSeen.set(key, r.output.value);
        return;
      }
      case 'put': {
        const value = nextValue();
        const r = await run({ f: 'put', key, value }, 'write', (o) =>
          putKey(client, key, value, o),
        );
        if (r.outcome === 'ok') lastSeen.set(key, value);
        return;
      }
      case 'txn-put': {
        if (other === undefined) break;
        const puts = [
          { key, value: nextValue() },
          { key: other, value: nextValue() },
        ];
        const writes = puts.map((p) => ({ f: 'put' as const, ...p }));
        await run({ f: 'txn-put', puts }, 'write', (o) => writeTxn(client, writes, o));
        return;
      }
      case 'cas-value': {
        const expect = lastSeen.get(key) ?? null;
        const value = nextValue();
        const input: RegisterInput = { f: 'cas', key, value, expect, compare: 'value' };
        const r = await run(input, 'write', (o) => casByValue(client, key, expect, value, o));
        if (r.outcome === 'ok' && r.output.succeeded) lastSeen.set(key, value);
        return;
      }
      case 'cas-mod': {
        const read = await run({ f: 'get', key }, 'read', (o) => getKey(client, key, o));
        if (read.outcome !== 'ok' || ctx.signal.aborted) return;
        const { value: expect, modRevision: expectRevision } = read.output;
        const value = nextValue();
        const input: RegisterInput = {
          f: 'cas',
          key,
          value,
          expect,
          compare: 'mod',
          expectRevision,
        };
        const r = await run(input, 'write', (o) =>
          casByModRevision(client, [{ key, modRevision: expectRevision }], [{ key, value }], o),
        );
        if (r.outcome === 'ok') lastSeen.set(key, r.output.succeeded ? value : expect);
        return;
      }
      case 'delete': {
        const r = await run({ f: 'delete', key }, 'write', (o) => deleteKeys(client, key, o));
        if (r.outcome === 'ok') lastSeen.set(key, null);
        return;
      }
    }
    // A multi-key put with a single key to pick from: a plain put instead.
    await this.act('put', index, client, ctx, [key, other], nextValue, lastSeen);
  }

  async check(ctx: FinalContext): Promise<CheckVerdict[]> {
    const recorder = this.recorder;
    if (recorder === undefined) throw new Error('chaos workload: check() before setup()');
    const { ops } = await finalRead(
      { recorder, opTimeoutMs: this.opTimeoutMs, clientIndex: this.clientCount },
      ctx.client,
      { f: 'read-all', prefix: this.prefix, final: true },
      (o) => getPrefix(ctx.client, this.prefix, o),
    );
    const history: HistoryRecord[] = withRecords(ctx.history, ops);
    return checkRecorded(this.kind, history, {
      ...(this.o.linearizability && { linearizability: this.o.linearizability }),
    });
  }
}
