// What the Lock and Election tests run against: real etcd 3.4 (when
// installed) and capstan, started the same way, with raw grpc-js clients of
// etcd's services — the requests and answers exactly as they cross the
// wire, as a Go v3lock/v3election client sees them.

import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { clientProtos, type ServiceName } from '../../../../../store/server/grpc/protos.js';
import type * as w from '../../../../../store/server/grpc/wire-types.js';
import { TestCluster } from '../../../../integration/harness.js';
import { findOnPath } from '../../grpc/etcdctl.js';
import { RealEtcdCluster } from '../../grpc/real-etcd.js';

export type TargetKind = 'etcd' | 'capstan';

const etcdBin = findOnPath('etcd');
const etcdctlBin = findOnPath('etcdctl');

/** Real etcd when it is installed (the reference), then capstan. */
export const targetKinds: readonly TargetKind[] =
  etcdBin !== undefined && etcdctlBin !== undefined ? ['etcd', 'capstan'] : ['capstan'];

export interface Target {
  readonly kind: TargetKind;
  /** host:port of each member's client API. */
  readonly endpoints: readonly string[];
  close(): Promise<void>;
}

/** Both kinds with the same timing, so elections take about as long. */
const heartbeatIntervalMs = 50;
const electionTimeoutMs = 500;

export async function startTarget(kind: TargetKind, members: number): Promise<Target> {
  const names = Array.from({ length: members }, (_, i) => `m${i + 1}`);
  if (kind === 'etcd') {
    const c = await RealEtcdCluster.start(etcdBin!, etcdctlBin!, {
      names,
      heartbeatIntervalMs,
      electionTimeoutMs,
    });
    return { kind, endpoints: c.members.map((m) => m.endpoint), close: () => c.stop() };
  }
  const c = await TestCluster.start({ replicas: members, heartbeatIntervalMs, electionTimeoutMs });
  return { kind, endpoints: names.map((n) => c.endpoint(n)), close: () => c.close() };
}

/** A unary call in flight: its answer, and a way to cancel it as a client would. */
export interface Pending<Res> {
  readonly answer: Promise<Res>;
  /** Whether the answer arrived (or the call failed). */
  settled(): boolean;
  cancel(): void;
}

type UnaryMethod = (
  req: unknown,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => grpc.ClientUnaryCall;

const callTimeoutMs = 15_000;

function unary<Req, Res>(
  client: grpc.Client,
  method: string,
  req: Req,
  timeoutMs = callTimeoutMs,
): Pending<Res> {
  const fn = (client as unknown as Record<string, UnaryMethod>)[method]!;
  let done = false;
  let call: grpc.ClientUnaryCall | undefined;
  const answer = new Promise<Res>((resolve, reject) => {
    call = fn.call(client, req, { deadline: Date.now() + timeoutMs }, (err, res) => {
      done = true;
      if (err) reject(err);
      else resolve(res as Res);
    });
  });
  answer.catch(() => {}); // the test decides whether to await it
  return { answer, settled: () => done, cancel: () => call?.cancel() };
}

/** Raw clients of one member's Lock, Election, Lease and KV services. */
export class Clients {
  private readonly raw = new Map<ServiceName, grpc.Client>();

  constructor(readonly endpoint: string) {}

  private client(service: ServiceName): grpc.Client {
    let c = this.raw.get(service);
    if (c === undefined) {
      c = new (clientProtos().clients[service])(this.endpoint, grpc.credentials.createInsecure());
      this.raw.set(service, c);
    }
    return c;
  }

  lock(req: w.LockRequest<'out'>, timeoutMs?: number): Pending<w.LockResponse<'in'>> {
    return unary(this.client('Lock'), 'Lock', req, timeoutMs);
  }
  unlock(req: w.UnlockRequest<'out'>): Promise<w.UnlockResponse<'in'>> {
    return unary<w.UnlockRequest<'out'>, w.UnlockResponse<'in'>>(this.client('Lock'), 'Unlock', req)
      .answer;
  }
  campaign(req: w.CampaignRequest<'out'>): Pending<w.CampaignResponse<'in'>> {
    return unary(this.client('Election'), 'Campaign', req);
  }
  proclaim(req: w.ProclaimRequest<'out'>): Promise<w.ProclaimResponse<'in'>> {
    return unary<w.ProclaimRequest<'out'>, w.ProclaimResponse<'in'>>(
      this.client('Election'),
      'Proclaim',
      req,
    ).answer;
  }
  leader(req: w.LeaderRequest<'out'>): Promise<w.LeaderResponse<'in'>> {
    return unary<w.LeaderRequest<'out'>, w.LeaderResponse<'in'>>(
      this.client('Election'),
      'Leader',
      req,
    ).answer;
  }
  resign(req: w.ResignRequest<'out'>): Promise<w.ResignResponse<'in'>> {
    return unary<w.ResignRequest<'out'>, w.ResignResponse<'in'>>(
      this.client('Election'),
      'Resign',
      req,
    ).answer;
  }
  observe(req: w.LeaderRequest<'out'>): Observer {
    const service = this.client('Election') as unknown as {
      Observe(req: w.LeaderRequest<'out'>): grpc.ClientReadableStream<w.LeaderResponse<'in'>>;
    };
    return new Observer(service.Observe(req));
  }

  /** Grants a lease of `ttlSeconds`; its id as the decimal string the wire uses. */
  async grant(ttlSeconds = 30): Promise<string> {
    const res = await unary<w.LeaseGrantRequest<'out'>, w.LeaseGrantResponse<'in'>>(
      this.client('Lease'),
      'LeaseGrant',
      { TTL: ttlSeconds },
    ).answer;
    return res.ID;
  }
  async revoke(id: string): Promise<void> {
    await unary(this.client('Lease'), 'LeaseRevoke', { ID: id }).answer;
  }
  timeToLive(id: string): Promise<w.LeaseTimeToLiveResponse<'in'>> {
    return unary<w.LeaseTimeToLiveRequest<'out'>, w.LeaseTimeToLiveResponse<'in'>>(
      this.client('Lease'),
      'LeaseTimeToLive',
      { ID: id },
    ).answer;
  }
  /** The key-values under `prefix`, oldest first. */
  async under(prefix: string): Promise<w.KeyValue<'in'>[]> {
    const res = await unary<w.RangeRequest<'out'>, w.RangeResponse<'in'>>(
      this.client('KV'),
      'Range',
      { key: Buffer.from(prefix), range_end: prefixEnd(prefix), sort_target: 2, sort_order: 1 },
    ).answer;
    return res.kvs;
  }

  close(): void {
    for (const c of this.raw.values()) c.close();
    this.raw.clear();
  }
}

function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1]!++;
  return end;
}

/** An Observe stream whose responses are collected as they come. */
export class Observer {
  readonly seen: w.LeaderResponse<'in'>[] = [];
  error: grpc.ServiceError | undefined;
  ended = false;

  constructor(private readonly stream: grpc.ClientReadableStream<w.LeaderResponse<'in'>>) {
    stream.on('data', (r: w.LeaderResponse<'in'>) => this.seen.push(r));
    stream.on('error', (e: grpc.ServiceError) => (this.error = e));
    stream.on('end', () => (this.ended = true));
  }

  /** The values observed so far, as text. */
  values(): string[] {
    return this.seen.map((r) => r.kv?.value.toString() ?? '<none>');
  }

  async waitForValues(expected: readonly string[]): Promise<void> {
    await until(`observe to see ${expected.join(', ')}`, () =>
      this.values().length >= expected.length ? true : undefined,
    );
    assert.deepEqual(this.values(), expected);
  }

  cancel(): void {
    this.stream.cancel();
  }
}

/** Waits for `probe` to return a value, with a deadline; no fixed sleeps. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The call failed with this status and exactly this message. */
export async function rejectsWith(p: Promise<unknown>, code: grpc.status, details: string) {
  await assert.rejects(p, (e: grpc.ServiceError) => {
    assert.deepEqual(
      { code: grpc.status[e.code], details: e.details },
      { code: grpc.status[code], details },
    );
    return true;
  });
}

/** A lease id as the recipes put it in keys: lowercase hex. */
export function hex(id: string): string {
  return BigInt(id).toString(16);
}
