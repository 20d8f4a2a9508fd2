// One in-process replica on loopback ports the kernel picks, in a temporary
// directory removed by close(), and watch streams to it that record what
// they receive.

import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdClient, type EtcdClient } from '../../../../../store/client/etcd-client.js';
import type { ApiContext } from '../../../../../store/server/api/context.js';
import {
  createWatchService,
  watchServiceDefinition,
  type WatchServiceOptions,
} from '../../../../../store/server/api/watch/index.js';
import type { WatchHub } from '../../../../../store/mvcc/watch/index.js';
import { resolveConfig } from '../../../../../store/server/config.js';
import { clientProtos } from '../../../../../store/server/grpc/protos.js';
import type * as w from '../../../../../store/server/grpc/wire-types.js';
import { createLogger } from '../../../../../store/server/logger.js';
import { Replica } from '../../../../../store/server/replica.js';

export interface Single {
  readonly replica: Replica;
  readonly endpoint: string;
  readonly kv: EtcdClient;
  close(): Promise<void>;
}

export async function startSingle(flags: Record<string, string> = {}): Promise<Single> {
  const dir = await mkdtemp(join(tmpdir(), 'capstan-watch-'));
  const cfg = resolveConfig(
    {
      name: 'w1',
      'data-dir': join(dir, 'w1'),
      'listen-client-urls': 'http://127.0.0.1:0',
      'advertise-client-urls': 'http://127.0.0.1:0',
      'listen-peer-urls': 'http://127.0.0.1:0',
      'initial-advertise-peer-urls': 'http://127.0.0.1:0',
      'initial-cluster': 'w1=http://127.0.0.1:0',
      'heartbeat-interval': '20',
      'election-timeout': '200',
      ...flags,
    },
    {},
  );
  const replica = await Replica.start(cfg, { logger: createLogger('silent', {}) });
  const endpoint = `127.0.0.1:${replica.clientPort}`;
  const kv = etcdClient(endpoint);
  // The single member elects itself at once; wait until it serves writes.
  for (let i = 0; ; i++) {
    try {
      await kv.put({ key: Buffer.from('__ready'), value: Buffer.from('1') }, 1000);
      break;
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return {
    replica,
    endpoint,
    kv,
    async close() {
      kv.close();
      await replica.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type Resp = w.WatchResponse<'in'>;

/** A Watch stream: requests out, every response recorded in order. */
export class WatchStream {
  readonly responses: Resp[] = [];
  error: grpc.ServiceError | undefined;
  ended = false;
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<w.WatchRequest<'out'>, Resp>;
  private waiters: (() => void)[] = [];

  constructor(endpoint: string, metadata?: grpc.Metadata) {
    const protos = clientProtos();
    this.client = new protos.clients.Watch(endpoint, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 2 ** 31 - 1,
    });
    type Open = (md?: grpc.Metadata) => grpc.ClientDuplexStream<w.WatchRequest<'out'>, Resp>;
    this.call = (this.client as unknown as { Watch: Open }).Watch(metadata);
    this.call.on('data', (r: Resp) => {
      this.responses.push(r);
      this.wake();
    });
    this.call.on('error', (e: grpc.ServiceError) => {
      this.error = e;
      this.wake();
    });
    this.call.on('end', () => {
      this.ended = true;
      this.wake();
    });
  }

  send(req: w.WatchRequest<'out'>): void {
    this.call.write(req);
  }

  create(c: w.WatchCreateRequest<'out'>): void {
    this.send({ create_request: c });
  }

  /** Waits until `pred` holds for the responses so far. */
  async until(pred: (rs: Resp[]) => boolean, what: string, timeoutMs = 5000): Promise<Resp[]> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.responses)) {
      if (this.error !== undefined) {
        assert.fail(`${what}: stream failed: ${this.error.code} ${this.error.details}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        assert.fail(
          `${what}: not within ${timeoutMs} ms; got ${JSON.stringify(this.responses.map(brief))}`,
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.responses;
  }

  /** Waits for `n` responses in all. */
  count(n: number, what = `${n} responses`, timeoutMs = 5000): Promise<Resp[]> {
    return this.until((rs) => rs.length >= n, what, timeoutMs);
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const f of ws) f();
  }
}

/** A response in a few words, for assertion messages. */
export function brief(r: Resp): string {
  const flags = [
    r.created ? 'created' : '',
    r.canceled ? 'canceled' : '',
    r.fragment ? 'fragment' : '',
    r.compact_revision !== '0' ? `compact=${r.compact_revision}` : '',
    r.cancel_reason !== '' ? `reason=${r.cancel_reason}` : '',
  ].filter(Boolean);
  const evs = r.events.map(eventText);
  return `#${r.watch_id}@${r.header?.revision}${flags.length ? ' ' + flags.join(' ') : ''}${evs.length ? ' [' + evs.join(', ') + ']' : ''}`;
}

export function eventText(e: w.Event<'in'>): string {
  const key = e.kv?.key.toString('latin1') ?? '';
  const prev =
    e.prev_kv === null
      ? ''
      : ` prev=${e.prev_kv.value.toString('latin1')}@${e.prev_kv.mod_revision}`;
  return e.type === 1
    ? `delete ${key}@${e.kv?.mod_revision}${prev}`
    : `put ${key}=${e.kv?.value.toString('latin1')}@${e.kv?.mod_revision}${prev}`;
}

export function b(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** A second gRPC server with only the Watch service, on `ctx`, with the given options. */
export async function startWatchServer(
  ctx: ApiContext,
  options: WatchServiceOptions,
): Promise<{ endpoint: string; hub: WatchHub; close(): void }> {
  const server = new grpc.Server();
  const service = createWatchService(ctx, options);
  server.addService(watchServiceDefinition(clientProtos().WatchService), service.handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    endpoint: `127.0.0.1:${port}`,
    hub: service.hub,
    close: () => {
      server.forceShutdown();
      service.hub.close();
    },
  };
}
