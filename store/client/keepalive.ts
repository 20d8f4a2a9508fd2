// Lease keep-alive: every kept-alive lease of a client is renewed on one
// LeaseKeepAlive bidi stream (to the active endpoint), as etcd's client
// does.
//
// Timing, per lease (etcd's clientv3 rule): a renewal is sent at once, then
// TTL/3 after each answer; while no answer comes, it is re-sent every
// keepAliveResendMs. The lease is considered to live until (time the
// answered request was sent) + TTL. It is **lost** — the handle emits
// 'lost' and `done` rejects with LeaseLostError — when the server answers
// TTL ≤ 0 (expired or revoked), or when that time passes without a renewal
// (the cluster could not be reached in time: the lease may be gone).
//
// When the stream fails (member killed, no leader, connection dropped) it
// is re-opened on the next endpoint and every lease is renewed at once.

import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type * as w from '../server/grpc/wire-types.js';
import { int64In, int64Out, smallIntIn, type LeaseId } from './codec.js';
import type { Endpoint, EndpointPool } from './connection.js';
import { LeaseLostError, errorFromStatus, type EtcdClientError } from './errors.js';
import type { ClientLogger } from './logger.js';
import { classifyFailure } from './retry.js';

/** While a renewal is unanswered, send it again this often. */
export const keepAliveResendMs = 500;
/** Pause before re-opening a failed keep-alive stream on another endpoint. */
const reopenDelayMs = 100;

type Duplex = grpc.ClientDuplexStream<
  w.LeaseKeepAliveRequest<'out'>,
  w.LeaseKeepAliveResponse<'in'>
>;

export interface KeepAliveOptions {
  /**
   * The lease's TTL in seconds when known (e.g. just granted): until the
   * first answer, the lease counts as lost if not renewed within it.
   */
  ttlSeconds?: number;
}

/**
 * A lease being kept alive. Events: 'renewed' (ttlSeconds) after each
 * answer; 'lost' (LeaseLostError, or the typed error of a server that
 * refuses keep-alives, e.g. UNIMPLEMENTED) once. `done` resolves on
 * close() and rejects with that error when the lease is lost.
 */
export class KeepAlive extends EventEmitter {
  readonly done: Promise<void>;
  /** The TTL of the last answer, in seconds (0 until the first). */
  ttlSeconds = 0;
  /** Date.now() until which the lease surely lives; Infinity while unknown. */
  expiresAtMs = Infinity;
  private resolveDone!: () => void;
  private rejectDone!: (e: unknown) => void;
  private sendTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  /** When each unanswered renewal was sent, oldest first. */
  readonly sentAtMs: number[] = [];
  private finished = false;

  constructor(
    private readonly hub: KeepAliveHub,
    readonly id: LeaseId,
    o: KeepAliveOptions,
  ) {
    super();
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => {}); // 'lost' listeners or awaiting `done` is the caller's choice
    if (o.ttlSeconds !== undefined && o.ttlSeconds > 0) {
      this.ttlSeconds = o.ttlSeconds;
      this.setExpiry(Date.now() + o.ttlSeconds * 1000);
    }
  }

  get closed(): boolean {
    return this.finished;
  }

  /** Stops renewing (the lease itself lives on until its TTL runs out). */
  close(): void {
    if (this.finished) return;
    this.stop();
    this.resolveDone();
  }

  // --------------------------------------------------------- hub's side

  /** Sends a renewal now and keeps re-sending until answered. */
  renewNow(): void {
    if (this.finished) return;
    clearTimeout(this.sendTimer);
    if (this.hub.send(this.id)) this.sentAtMs.push(Date.now());
    this.sendTimer = setTimeout(() => this.renewNow(), keepAliveResendMs);
  }

  onAnswer(ttl: number): void {
    if (this.finished) return;
    const sentAt = this.sentAtMs.shift() ?? Date.now();
    if (ttl <= 0) {
      this.lose(`capstan client: lease ${this.id.toString(16)} expired or was revoked`);
      return;
    }
    this.ttlSeconds = ttl;
    this.setExpiry(sentAt + ttl * 1000);
    clearTimeout(this.sendTimer);
    this.sendTimer = setTimeout(() => this.renewNow(), (ttl * 1000) / 3);
    this.emit('renewed', ttl);
  }

  /** The stream went away: unanswered renewals will never be answered. */
  onStreamReset(): void {
    this.sentAtMs.length = 0;
  }

  /** A failure no endpoint will fix (e.g. the server does not serve leases). */
  fail(err: EtcdClientError): void {
    if (this.finished) return;
    this.stop();
    this.emit('lost', err);
    this.rejectDone(err);
  }

  private setExpiry(atMs: number): void {
    this.expiresAtMs = atMs;
    clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(
      () =>
        this.lose(
          `capstan client: lease ${this.id.toString(16)} could not be renewed before its TTL ran out`,
        ),
      Math.max(0, atMs - Date.now()),
    );
  }

  private lose(message: string): void {
    if (this.finished) return;
    const err = new LeaseLostError(message, this.id);
    this.stop();
    this.emit('lost', err);
    this.rejectDone(err);
  }

  private stop(): void {
    this.finished = true;
    clearTimeout(this.sendTimer);
    clearTimeout(this.expiryTimer);
    this.hub.remove(this);
  }
}

export class KeepAliveHub {
  private readonly handles = new Map<string, Set<KeepAlive>>();
  private stream: { ep: Endpoint; call: Duplex } | undefined;
  private opening: Promise<void> | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly pool: EndpointPool,
    private readonly logger: ClientLogger,
  ) {}

  keepAlive(id: LeaseId, o: KeepAliveOptions = {}): KeepAlive {
    int64Out(id, 'lease id');
    const h = new KeepAlive(this, id, o);
    const key = id.toString();
    let set = this.handles.get(key);
    if (set === undefined) this.handles.set(key, (set = new Set()));
    set.add(h);
    this.ensureStream();
    h.renewNow();
    return h;
  }

  /** Writes one renewal if the stream is up; false if it is not (yet). */
  send(id: LeaseId): boolean {
    if (this.stream === undefined) {
      this.ensureStream();
      return false;
    }
    this.stream.call.write({ ID: id.toString() });
    return true;
  }

  remove(h: KeepAlive): void {
    const key = h.id.toString();
    const set = this.handles.get(key);
    set?.delete(h);
    if (set?.size === 0) this.handles.delete(key);
    if (this.handles.size === 0) this.closeStream();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reopenTimer);
    for (const set of [...this.handles.values()]) for (const h of [...set]) h.close();
    this.closeStream();
  }

  private closeStream(): void {
    const s = this.stream;
    this.stream = undefined;
    s?.call.cancel();
  }

  private ensureStream(): void {
    if (this.stream !== undefined || this.opening !== undefined || this.closed) return;
    if (this.reopenTimer !== undefined) return;
    this.opening = this.open().finally(() => (this.opening = undefined));
  }

  private async open(): Promise<void> {
    for (const ep of this.pool.order()) {
      if (this.closed || this.handles.size === 0) return;
      try {
        await this.pool.ready(ep, Date.now() + this.pool.limits.dialTimeoutMs);
      } catch {
        this.pool.markFailed(ep);
        continue;
      }
      if (this.closed || this.handles.size === 0) return;
      this.start(ep);
      for (const set of this.handles.values()) for (const h of set) h.renewNow();
      return;
    }
    this.reopenLater();
  }

  private start(ep: Endpoint): void {
    const md = new grpc.Metadata();
    md.set('hasleader', 'true');
    const client = ep.service('Lease') as unknown as { LeaseKeepAlive(md: grpc.Metadata): Duplex };
    const call = client.LeaseKeepAlive(md);
    const s = { ep, call };
    this.stream = s;
    call.on('data', (res: w.LeaseKeepAliveResponse<'in'>) => {
      const set = this.handles.get(int64In(res.ID).toString());
      if (set === undefined) return;
      const ttl = smallIntIn(res.TTL);
      for (const h of [...set]) h.onAnswer(ttl);
      this.pool.markSucceeded(ep);
    });
    const broken = (err: unknown): void => {
      if (this.stream !== s) return;
      this.stream = undefined;
      call.cancel();
      for (const set of this.handles.values()) for (const h of set) h.onStreamReset();
      const typed = errorFromStatus(err, ep.address);
      const kind = classifyFailure(err);
      this.logger.debug(
        { endpoint: ep.address, error: typed.message },
        'capstan client: keep-alive stream failed',
      );
      if (
        !kind.endpointFailed &&
        typed.grpcCode !== grpc.status.CANCELLED &&
        typed.grpcCode !== undefined
      ) {
        for (const set of [...this.handles.values()]) for (const h of [...set]) h.fail(typed);
        return;
      }
      this.pool.markFailed(ep);
      this.reopenLater();
    };
    call.on('error', broken);
    call.on('end', () =>
      broken({ code: grpc.status.UNAVAILABLE, details: 'keep-alive stream ended by the server' }),
    );
  }

  private reopenLater(): void {
    if (this.closed || this.reopenTimer !== undefined || this.handles.size === 0) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      this.ensureStream();
    }, reopenDelayMs);
  }
}
