// A member's side of lease forwarding: calls the leader's LeaseForward
// service at its peer URLs (as etcd tries each of the leader's peer URLs in
// turn). One channel per peer address, kept until close(). Anything but an
// answer or "not found" — the leader is not promoted yet, it just lost its
// leadership, the connection failed — comes back as 'retry': the caller
// looks for the leader again and retries until its own deadline.

import * as grpc from '@grpc/grpc-js';
import { peerChannelOptions, peerUrlToTarget } from '../transport/grpc-config.js';
import { transportLimits } from '../transport/limits.js';
import { renewMethod, timeToLiveMethod } from './forward-proto.js';

export type ForwardedRenew =
  { kind: 'renewed'; ttl: number } | { kind: 'not-found' } | { kind: 'retry'; why: string };

export type ForwardedTimeToLive =
  | { kind: 'found'; ttl: number; grantedTtl: number; keys: Uint8Array[] }
  | { kind: 'not-found' }
  | { kind: 'retry'; why: string };

type Answer<Res> = { ok: true; res: Res } | { ok: false; code: number; why: string };

export class LeaseForwardClient {
  private readonly clients = new Map<string, grpc.Client>();
  private closed = false;

  constructor(private readonly clusterId: bigint) {}

  async renew(
    peerUrls: readonly string[],
    id: bigint,
    deadlineMs: number,
  ): Promise<ForwardedRenew> {
    let why = 'the leader has no peer URL';
    for (const url of peerUrls) {
      const a = await this.call(
        url,
        renewMethod(),
        { clusterId: this.cid(), id: String(id) },
        deadlineMs,
      );
      if (a.ok) return { kind: 'renewed', ttl: Number(a.res.ttl) };
      if (a.code === grpc.status.NOT_FOUND) return { kind: 'not-found' };
      why = a.why;
    }
    return { kind: 'retry', why };
  }

  async timeToLive(
    peerUrls: readonly string[],
    id: bigint,
    keys: boolean,
    deadlineMs: number,
  ): Promise<ForwardedTimeToLive> {
    let why = 'the leader has no peer URL';
    for (const url of peerUrls) {
      const req = { clusterId: this.cid(), id: String(id), keys };
      const a = await this.call(url, timeToLiveMethod(), req, deadlineMs);
      if (a.ok) {
        return {
          kind: 'found',
          ttl: Number(a.res.ttl),
          grantedTtl: Number(a.res.grantedTtl),
          keys: a.res.keys.map((k) => new Uint8Array(k)),
        };
      }
      if (a.code === grpc.status.NOT_FOUND) return { kind: 'not-found' };
      why = a.why;
    }
    return { kind: 'retry', why };
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private cid(): string {
    return BigInt.asUintN(64, this.clusterId).toString();
  }

  private client(url: string): grpc.Client | string {
    if (this.closed) return 'closed';
    let target: string;
    try {
      target = peerUrlToTarget(url);
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    let c = this.clients.get(target);
    if (c === undefined) {
      c = new grpc.Client(
        target,
        grpc.credentials.createInsecure(),
        peerChannelOptions(transportLimits),
      );
      this.clients.set(target, c);
    }
    return c;
  }

  private call<Req, Res>(
    url: string,
    method: grpc.MethodDefinition<Req, Res>,
    req: Req,
    deadlineMs: number,
  ): Promise<Answer<Res>> {
    const c = this.client(url);
    if (typeof c === 'string') return Promise.resolve({ ok: false, code: -1, why: c });
    return new Promise((resolve) => {
      c.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        req,
        new grpc.Metadata(),
        { deadline: deadlineMs },
        (err, res) => {
          if (err || res === undefined) {
            resolve({ ok: false, code: err?.code ?? -1, why: err?.details ?? 'empty answer' });
          } else resolve({ ok: true, res });
        },
      );
    });
  }
}
