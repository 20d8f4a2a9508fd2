// Election.Observe: a stream of the election's leader — now, at every
// value it proclaims, and at every change of leader — until the caller
// cancels. etcd's Election.observe, with each response's header:
//
// 1. Read the oldest key under `<name>/`. None yet: watch the prefix from
//    that read's revision until the first put (its header's revision set
//    to the put's mod revision, as etcd does).
// 2. Send that key-value (with the read's header).
// 3. Watch that key from the next revision on: send each put (with the
//    watch response's header); on its delete, go back to 1 — the next
//    candidate in line, or the wait for a first one.
//
// etcd ends the stream without an error when its inner read or watch
// fails; capstan sends that failure's status instead, so the caller knows
// it must observe again (e.g. after a compaction).

import type { ServerWritableStream } from '@grpc/grpc-js';
import type { Client, KeyValue, ResponseHeader, Watcher } from '../../../client/index.js';
import { firstCreated, recipePrefix } from '../../../client/lock.js';
import { toServiceError } from '../../../errors.js';
import { refusedRequest } from '../../grpc/request-checks.js';
import type * as w from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { callSignal, headerOut, keyValueOut, recipeFailure } from '../lock/recipe-support.js';
import type { SelfClient } from '../lock/self-client.js';
import { asWireError } from '../unary.js';

type Call = ServerWritableStream<w.LeaderRequest<'in'>, w.LeaderResponse<'out'>>;

export function observeRpc(ctx: ApiContext, self: SelfClient) {
  return (call: Call): void => {
    const refused = refusedRequest(call.request);
    if (refused !== undefined) {
      call.destroy(toServiceError(refused) as unknown as Error);
      return;
    }
    void new LeaderStream(self, call).run().then(
      () => {
        if (!call.cancelled) call.end();
      },
      (err: unknown) => {
        if (call.cancelled) return;
        const failure = asWireError(recipeFailure(err), ctx.log, 'Observe');
        call.destroy(toServiceError(failure) as unknown as Error);
      },
    );
  };
}

class LeaderStream {
  private readonly signal: AbortSignal;
  private readonly prefix: Buffer;
  private watcher: Watcher | undefined;

  constructor(
    private readonly self: SelfClient,
    private readonly call: Call,
  ) {
    this.signal = callSignal(call);
    this.prefix = recipePrefix(call.request.name);
    this.signal.addEventListener('abort', () => void this.watcher?.cancel(), { once: true });
  }

  /** Resolves when the caller cancels; rejects when a read or watch fails. */
  async run(): Promise<void> {
    const client = this.self.get();
    try {
      while (!this.signal.aborted) {
        const leader = await this.currentLeader(client);
        if (leader === undefined) return;
        await this.send(leader.header, leader.kv);
        if (!(await this.followUntilDeleted(client, leader.kv.key, leader.header.revision + 1n))) {
          return;
        }
      }
    } catch (err) {
      if (this.signal.aborted) return;
      throw err;
    } finally {
      await this.watcher?.cancel();
    }
  }

  /** Step 1: the leader now, or the first candidate to appear; undefined once canceled. */
  private async currentLeader(
    client: Client,
  ): Promise<{ header: ResponseHeader; kv: KeyValue } | undefined> {
    const read = await client.get(this.prefix, { ...firstCreated, signal: this.signal });
    const kv = read.kvs[0];
    if (kv !== undefined) return { header: read.header, kv };
    const watcher = this.startWatch(client, {
      key: this.prefix,
      prefix: true,
      startRevision: read.header.revision,
    });
    try {
      for await (const res of watcher) {
        // Only a put makes a leader; a delete here is a candidate that left.
        const put = res.events.find((e) => e.type === 'put');
        if (put !== undefined) {
          return { header: { ...res.header, revision: put.kv.modRevision }, kv: put.kv };
        }
      }
      return undefined;
    } finally {
      await watcher.cancel();
    }
  }

  /** Step 3: sends every put of the leader's key; true once it is deleted, false if canceled. */
  private async followUntilDeleted(
    client: Client,
    key: Buffer,
    fromRevision: bigint,
  ): Promise<boolean> {
    const watcher = this.startWatch(client, { key, startRevision: fromRevision });
    try {
      for await (const res of watcher) {
        for (const e of res.events) {
          if (e.type === 'delete') return true;
          await this.send(res.header, e.kv);
        }
      }
      return false;
    } finally {
      await watcher.cancel();
    }
  }

  private startWatch(client: Client, o: Parameters<Client['watch']>[0]): Watcher {
    this.watcher = client.watch(o);
    if (this.signal.aborted) void this.watcher.cancel();
    return this.watcher;
  }

  /** Writes one response, waiting while the caller is slow to read (or until it cancels). */
  private async send(header: ResponseHeader, kv: KeyValue): Promise<void> {
    if (this.signal.aborted) return;
    if (this.call.write({ header: headerOut(header), kv: keyValueOut(kv) })) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.call.off('drain', done);
        this.signal.removeEventListener('abort', done);
        resolve();
      };
      this.call.once('drain', done);
      this.signal.addEventListener('abort', done, { once: true });
    });
  }
}
