// The append workload (Jepsen's list-append, on etcd's txns): each key holds
// a comma-separated list. A client reads a key (a recorded read, checked
// like any other) and, most turns, appends a unique element to it in a txn
// guarded by the mod revision that read returned; a stale read makes the
// compare fail, so an element is never appended twice nor out of order.
// Keys are replaced every generation (key-space.ts), which bounds how long
// a list grows. Verdicts: checks/append.ts.

import type { CallOptions, Client } from '../../client/index.js';
import { appendSeparator, checkRecorded, parseList } from '../checks/index.js';
import type { AppendInput, AppendReadOutput } from '../checks/index.js';
import type { CheckVerdict } from '../types.js';
import type { FinalContext, Recorder, Workload, WorkloadContext } from '../workload.js';
import { finalRead } from './final-read.js';
import { withRecords } from './history.js';
import { KeySpace } from './key-space.js';
import { workloadDefaults, type WorkloadOptions } from './options.js';
import { pause, perform, untilOk, type Answer } from './perform.js';
import { casByModRevision, deleteKeys, getKey, getPrefix } from './requests.js';

/** Share of a client's turns that end with the read (the rest go on to append). */
const readShare = 0.3;

export class AppendWorkload implements Workload {
  readonly kind = 'append';
  private readonly prefix: string;
  private readonly keys: KeySpace;
  private recorder: Recorder | undefined;
  private opTimeoutMs = 0;
  private clientCount = 0;

  constructor(private readonly o: WorkloadOptions = {}) {
    this.prefix = o.prefix ?? 'chaos/append/';
    this.keys = new KeySpace(
      this.prefix,
      o.keyCount ?? workloadDefaults.appendKeyCount,
      o.keyGenerationTurns ?? workloadDefaults.keyGenerationTurns,
    );
  }

  async setup(ctx: WorkloadContext): Promise<void> {
    this.recorder = ctx.recorder;
    this.opTimeoutMs = ctx.opTimeoutMs;
    this.clientCount = ctx.clients.length;
    const client = ctx.clients[0]!;
    const deadline = Date.now() + (this.o.setupTimeoutMs ?? workloadDefaults.setupTimeoutMs);
    const clear: AppendInput = { f: 'delete-prefix', prefix: this.prefix };
    await untilOk('deleting the key space', deadline, () =>
      perform(ctx, 0, client, { ...clear }, 'write', (o) =>
        deleteKeys(client, this.prefix, { ...o, prefix: true }),
      ),
    );
  }

  async runClient(index: number, ctx: WorkloadContext): Promise<void> {
    const client = ctx.clients[index]!;
    let seq = 0;
    while (!ctx.signal.aborted) {
      const [key] = this.keys.pick(ctx.random);
      const readInput: AppendInput = { f: 'read', key: key! };
      const read = await perform(ctx, index, client, { ...readInput }, 'read', (o) =>
        readList(client, key!, o),
      );
      if (read.outcome === 'ok' && ctx.random() >= readShare && !ctx.signal.aborted) {
        const element = `${index}.${seq++}`;
        const { list, modRevision } = read.output;
        const input: AppendInput = {
          f: 'append',
          key: key!,
          value: element,
          expectRevision: modRevision,
        };
        const value = [...list, element].join(appendSeparator);
        await perform(ctx, index, client, { ...input }, 'write', (o) =>
          casByModRevision(client, [{ key: key!, modRevision }], [{ key: key!, value }], o),
        );
      }
      await pause(ctx.pauseMs, ctx.signal);
    }
  }

  async check(ctx: FinalContext): Promise<CheckVerdict[]> {
    const recorder = this.recorder;
    if (recorder === undefined) throw new Error('chaos workload: check() before setup()');
    const input: AppendInput = { f: 'read-all', prefix: this.prefix, final: true };
    const { ops } = await finalRead(
      { recorder, opTimeoutMs: this.opTimeoutMs, clientIndex: this.clientCount },
      ctx.client,
      { ...input },
      async (o) => {
        const r = await getPrefix(ctx.client, this.prefix, o);
        const lists: Record<string, string[]> = {};
        for (const kv of r.output.kvs) lists[kv.key] = parseList(kv.value);
        return { output: { lists }, revision: r.revision };
      },
    );
    return checkRecorded('append', withRecords(ctx.history, ops));
  }
}

async function readList(
  client: Client,
  key: string,
  o: CallOptions,
): Promise<Answer<AppendReadOutput & Record<string, unknown>>> {
  const r = await getKey(client, key, o);
  return {
    output: { list: parseList(r.output.value), modRevision: r.output.modRevision },
    revision: r.revision,
  };
}
