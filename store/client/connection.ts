// The client's endpoints: one grpc-js channel per member, shared by every
// service client (KV, Watch, Lease, …) on it, and the choice of which
// member to talk to.
//
// - The active endpoint is sticky: requests go to it while it answers.
// - An endpoint that fails (cannot connect, UNAVAILABLE, "no leader") is
//   marked down for a backoff that doubles with each consecutive failure
//   (endpointBackoffBaseMs … endpointBackoffMaxMs); while down it is skipped,
//   and the active endpoint moves to the next member in the list.
// - When every endpoint is down, the one whose backoff ends first is tried
//   rather than failing at once: a cluster that is restarting comes back.

import * as grpc from '@grpc/grpc-js';
import { clientProtos, type ServiceName } from '../server/grpc/protos.js';
import { NoEndpointAvailableError } from './errors.js';

export interface ConnectionLimits {
  /** How long to wait for a connection to a member before trying another. */
  dialTimeoutMs: number;
  /** The first backoff of a failed endpoint; doubles per consecutive failure. */
  endpointBackoffBaseMs: number;
  endpointBackoffMaxMs: number;
  /** HTTP/2 pings on a connection with calls in flight, to notice a dead peer. */
  keepAliveTimeMs: number;
  keepAliveTimeoutMs: number;
}

/** grpc-js' own reconnect backoff, kept short so a restarted member is found quickly. */
const reconnectBackoffInitialMs = 100;
const reconnectBackoffMaxMs = 2_000;
/** etcd answers with up to its --max-request-bytes plus overhead; accept anything grpc can frame. */
const receiveMessageBytesMax = 2 ** 31 - 1;

export class Endpoint {
  /** Consecutive failures; 0 when the last attempt succeeded. */
  failures = 0;
  /** Until when (Date.now() ms) the endpoint is skipped. */
  downUntilMs = 0;
  private readonly services = new Map<ServiceName, grpc.Client>();

  constructor(
    /** host:port, as grpc dials it. */
    readonly address: string,
    readonly channel: grpc.Channel,
  ) {}

  /** The service client of this endpoint (created on first use, on the shared channel). */
  service(name: ServiceName): grpc.Client {
    let c = this.services.get(name);
    if (c === undefined) {
      const Ctor = clientProtos().clients[name];
      c = new Ctor(this.address, grpc.credentials.createInsecure(), {
        channelOverride: this.channel,
      });
      this.services.set(name, c);
    }
    return c;
  }

  isDown(nowMs: number): boolean {
    return this.downUntilMs > nowMs;
  }
}

/** host:port from "host:port", "http://host:port" or "http://host:port/". */
export function endpointAddress(endpoint: string): string {
  const address = endpoint
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '');
  if (!/^[^\s/]+:\d{1,5}$/.test(address)) {
    throw new TypeError(`capstan client: bad endpoint "${endpoint}" (want host:port)`);
  }
  return address;
}

export class EndpointPool {
  readonly endpoints: readonly Endpoint[];
  private activeIndex = 0;
  private closed = false;

  constructor(
    addresses: readonly string[],
    readonly limits: ConnectionLimits,
  ) {
    if (addresses.length === 0) throw new TypeError('capstan client: no endpoints');
    const unique = [...new Set(addresses.map(endpointAddress))];
    const options: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': receiveMessageBytesMax,
      'grpc.initial_reconnect_backoff_ms': reconnectBackoffInitialMs,
      'grpc.max_reconnect_backoff_ms': reconnectBackoffMaxMs,
      'grpc.keepalive_time_ms': limits.keepAliveTimeMs,
      'grpc.keepalive_timeout_ms': limits.keepAliveTimeoutMs,
      // etcd refuses pings on a connection without calls (GOAWAY too_many_pings).
      'grpc.keepalive_permit_without_calls': 0,
      // Each client its own connections, as two etcd clients would have.
      'grpc.use_local_subchannel_pool': 1,
    };
    this.endpoints = unique.map(
      (a) => new Endpoint(a, new grpc.Channel(a, grpc.credentials.createInsecure(), options)),
    );
  }

  get active(): Endpoint {
    return this.endpoints[this.activeIndex]!;
  }

  isClosed(): boolean {
    return this.closed;
  }

  byAddress(endpoint: string): Endpoint {
    const address = endpointAddress(endpoint);
    const ep = this.endpoints.find((e) => e.address === address);
    if (ep === undefined) {
      throw new TypeError(`capstan client: ${endpoint} is not one of the client's endpoints`);
    }
    return ep;
  }

  /**
   * The endpoints to try for one attempt round, best first: the active one
   * (if up), then the others in list order after it; endpoints that are
   * down are left out, unless all are, then the one that recovers first.
   */
  order(nowMs = Date.now()): Endpoint[] {
    const n = this.endpoints.length;
    const rotated = Array.from(
      { length: n },
      (_, i) => this.endpoints[(this.activeIndex + i) % n]!,
    );
    const up = rotated.filter((e) => !e.isDown(nowMs));
    if (up.length > 0) return up;
    const soonest = rotated.reduce((a, b) => (b.downUntilMs < a.downUntilMs ? b : a));
    return [soonest];
  }

  markSucceeded(ep: Endpoint): void {
    ep.failures = 0;
    ep.downUntilMs = 0;
    this.activeIndex = this.endpoints.indexOf(ep);
  }

  markFailed(ep: Endpoint, nowMs = Date.now()): void {
    ep.failures++;
    const backoffMs = Math.min(
      this.limits.endpointBackoffBaseMs * 2 ** Math.min(ep.failures - 1, 16),
      this.limits.endpointBackoffMaxMs,
    );
    ep.downUntilMs = nowMs + backoffMs;
    if (this.active === ep) {
      const next = this.order(nowMs).find((e) => e !== ep);
      if (next !== undefined) this.activeIndex = this.endpoints.indexOf(next);
    }
  }

  /**
   * Resolves once `ep` has a connection, or rejects with a
   * NoEndpointAvailableError: at once when the channel is in
   * TRANSIENT_FAILURE (its last connection attempt failed), else when it is
   * not connected by `deadlineMs`. A rejection means nothing was sent.
   */
  async ready(ep: Endpoint, deadlineMs: number): Promise<void> {
    const { READY, TRANSIENT_FAILURE, SHUTDOWN } = grpc.connectivityState;
    for (;;) {
      const state = ep.channel.getConnectivityState(true);
      if (state === READY) return;
      if (state === TRANSIENT_FAILURE || state === SHUTDOWN || this.closed) {
        throw new NoEndpointAvailableError(
          `capstan client: cannot connect to ${ep.address}`,
          ep.address,
        );
      }
      if (Date.now() >= deadlineMs) {
        throw new NoEndpointAvailableError(
          `capstan client: no connection to ${ep.address} within the dial timeout`,
          ep.address,
        );
      }
      await new Promise<void>((resolve) =>
        ep.channel.watchConnectivityState(state, deadlineMs, () => resolve()),
      );
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const ep of this.endpoints) ep.channel.close();
  }
}
