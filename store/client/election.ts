// Leader election: etcd's concurrency.Election recipe, so it interoperates
// with `etcdctl elect` and with Go programs using etcd's concurrency
// package.
//
// - campaign(value): put `<name>/<lease id hex>` = value under the session
//   (if this session already campaigns, reuse its key and proclaim the new
//   value), then wait for every candidate created before us to go
//   (waitDeletes). The oldest key under `<name>/` is the leader.
// - proclaim(value): a txn guarded by create_revision(our key) == our
//   revision puts the new value; a failed guard means we are no longer
//   leader (ElectionNotLeaderError).
// - resign(): the same guard, deleting our key.
// - leader(): the oldest key under `<name>/` (undefined when none).
// - observe(): the leader's key-value now and at every change: a new
//   leader, or a new value proclaimed.
//
// As with the lock, leadership is a belief: guard writes made as leader
// with `election.fence()` in the same txn.

import {
  bytesOut,
  type Bytes,
  type KeyValue,
  type ResponseHeader,
  type Revision,
} from './codec.js';
import { AbortedError, ElectionNotLeaderError } from './errors.js';
import { firstCreated, rangeKvs, recipeKey, recipePrefix } from './lock.js';
import { Session, type RecipeClient } from './session.js';
import { compare, op, type Compare } from './txn.js';
import { waitDeletes } from './wait-deletes.js';
import type { Watcher } from './watch.js';

export interface ElectionOptions {
  /** Campaign under this session; else one of `ttlSeconds` is made on first campaign and closed by close(). */
  session?: Session;
  /** TTL of the election's own session (default 60 s). */
  ttlSeconds?: number;
}

export class Election {
  readonly prefix: Buffer;
  private session: Session | undefined;
  private readonly ownSession: boolean;
  private leaderKey: Buffer | undefined;
  private leaderRevision: Revision = 0n;
  private lastHeader: ResponseHeader | undefined;

  constructor(
    private readonly client: RecipeClient,
    name: Bytes,
    private readonly o: ElectionOptions = {},
  ) {
    this.prefix = recipePrefix(name);
    this.session = o.session;
    this.ownSession = o.session === undefined;
  }

  /** Our candidate key once campaign() was called; undefined after resign(). */
  get key(): Buffer | undefined {
    return this.leaderKey;
  }

  /** The create revision of our key (the fencing token while leader). */
  get revision(): Revision {
    return this.leaderRevision;
  }

  get header(): ResponseHeader | undefined {
    return this.lastHeader;
  }

  /** create_revision(our key) == our revision: guard writes made as leader with it. */
  fence(): Compare {
    if (this.leaderKey === undefined) throw new ElectionNotLeaderError();
    return compare.createRevision(this.leaderKey, '=', this.leaderRevision);
  }

  /** Becomes a candidate with `value` and resolves once we are the leader. */
  async campaign(value: Bytes, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const session = await this.ensureSession();
    const key = recipeKey(this.prefix, session.leaseId);
    const r = await this.client.txn({
      if: [compare.createRevision(key, '=', 0)],
      then: [op.put(key, value, { lease: session.leaseId })],
      else: [op.get(key)],
    });
    this.leaderKey = key;
    this.leaderRevision = r.header.revision;
    if (!r.succeeded) {
      const kv = rangeKvs(r.responses[0])[0];
      if (kv !== undefined) {
        this.leaderRevision = kv.createRevision;
        if (!kv.value.equals(bytesOut(value))) {
          try {
            await this.proclaim(value);
          } catch (e) {
            await this.resign().catch(() => {});
            throw e;
          }
        }
      }
    }
    try {
      await waitDeletes(this.client, this.prefix, this.leaderRevision - 1n, opts.signal);
    } catch (e) {
      // Given up (aborted) or failed: leave the queue.
      if (e instanceof AbortedError) await this.resign().catch(() => {});
      throw e;
    }
    this.lastHeader = r.header;
  }

  /** Sets a new value while leader; ElectionNotLeaderError if we no longer are. */
  async proclaim(value: Bytes): Promise<void> {
    const session = this.session;
    if (this.leaderKey === undefined || session === undefined) throw new ElectionNotLeaderError();
    const r = await this.client.txn({
      if: [compare.createRevision(this.leaderKey, '=', this.leaderRevision)],
      then: [op.put(this.leaderKey, value, { lease: session.leaseId })],
    });
    if (!r.succeeded) {
      this.leaderKey = undefined;
      throw new ElectionNotLeaderError();
    }
    this.lastHeader = r.header;
  }

  /** Gives up leadership (or candidacy): deletes our key if it is still ours. */
  async resign(): Promise<void> {
    const key = this.leaderKey;
    if (key === undefined) return;
    this.leaderKey = undefined;
    const r = await this.client.txn({
      if: [compare.createRevision(key, '=', this.leaderRevision)],
      then: [op.delete(key)],
    });
    this.lastHeader = r.header;
  }

  /** The current leader's key-value, or undefined when there is none. */
  async leader(): Promise<KeyValue | undefined> {
    const r = await this.client.get(this.prefix, firstCreated);
    return r.kvs[0];
  }

  /** The leader now and at every change, until `cancel()` (or a break out of `for await`). */
  observe(): LeaderObserver {
    return new LeaderObserver(this.client, this.prefix);
  }

  /** Resigns and closes the session the election made itself. */
  async close(): Promise<void> {
    await this.resign().catch(() => {});
    if (this.ownSession) await this.session?.close();
  }

  private async ensureSession(): Promise<Session> {
    this.session ??= await Session.create(this.client, { ttlSeconds: this.o.ttlSeconds });
    return this.session;
  }
}

/**
 * etcd's Election.Observe: yields the leader's key-value when observed
 * first (or as soon as a first candidate appears) and after each change:
 * a proclaimed value, or — once the leader's key is deleted — the next
 * leader.
 */
export class LeaderObserver implements AsyncIterable<KeyValue> {
  private readonly abort = new AbortController();
  private watcher: Watcher | undefined;

  constructor(
    private readonly client: RecipeClient,
    private readonly prefix: Buffer,
  ) {}

  cancel(): void {
    this.abort.abort();
    void this.watcher?.cancel();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<KeyValue> {
    try {
      while (!this.abort.signal.aborted) {
        const r = await this.client.get(this.prefix, {
          ...firstCreated,
          signal: this.abort.signal,
        });
        let kv = r.kvs[0];
        let revision = r.header.revision;
        if (kv === undefined) {
          // No leader yet: wait for the first candidate's put.
          this.watcher = this.client.watch({
            key: this.prefix,
            prefix: true,
            startRevision: revision,
          });
          for await (const res of this.watcher) {
            const put = res.events.find((e) => e.type === 'put');
            if (put !== undefined) {
              kv = put.kv;
              revision = put.kv.modRevision;
              break;
            }
          }
          if (kv === undefined) return;
        }
        yield kv;
        // Follow that leader's key until it is deleted.
        this.watcher = this.client.watch({ key: kv.key, startRevision: revision + 1n });
        let deleted = false;
        for await (const res of this.watcher) {
          for (const e of res.events) {
            if (e.type === 'delete') {
              deleted = true;
              break;
            }
            yield e.kv;
          }
          if (deleted) break;
        }
        if (!deleted) return; // canceled
      }
    } catch (e) {
      if (this.abort.signal.aborted) return;
      throw e;
    } finally {
      await this.watcher?.cancel();
    }
  }
}
