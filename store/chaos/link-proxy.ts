// A TCP proxy for one directed peer link (member i → member j): the network
// faults of `capstan chaos` without root (docs/chaos.md).
//
// It listens on a loopback port of its own; member i dials it instead of j
// (CAPSTAN_PEER_URL_OVERRIDES) and it forwards to j's peer port. Every
// connection on it carries only i→j traffic (and the HTTP/2 acknowledgements
// of that traffic flowing back), so its state is the state of the link:
//
//   blocked    nothing moves in either direction and new connections are
//              held, not forwarded: a partition. Bytes stay in the kernel's
//              buffers and flow again on heal, late — what TCP does across a
//              partition shorter than its retransmission timeout; a longer
//              one is ended by gRPC's keepalive, as on a real network.
//   latencyMs  every chunk is held latencyMs (+ up to jitterMs) before it is
//              passed on, in order.
//   lossRate   HTTP/2 rides on TCP, which cannot lose one packet: a lost
//              segment shows up as a stall until it is retransmitted. So
//              each chunk, with probability lossRate, is held an extra
//              retransmitMs (and everything behind it), and with probability
//              resetRate its connection is reset instead — the other way a
//              lossy network ends a TCP connection.
//
// The proxy never reorders, duplicates or corrupts bytes: TCP does not either.

import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface LinkState {
  blocked: boolean;
  latencyMs: number;
  jitterMs: number;
  /** Probability per chunk of a retransmission stall. */
  lossRate: number;
  /** How long one such stall lasts (Linux's minimum RTO is 200 ms). */
  retransmitMs: number;
  /** Probability per chunk that the connection is reset. */
  resetRate: number;
}

export const healthyLink: Readonly<LinkState> = {
  blocked: false,
  latencyMs: 0,
  jitterMs: 0,
  lossRate: 0,
  retransmitMs: 200,
  resetRate: 0,
};

/** Bytes held in one direction of a connection before its source is paused. */
const maxHeldBytes = 4 * 1024 * 1024;

/** One direction of one proxied connection: from `src` to `dst`, through the link's faults. */
class Pump {
  private readonly queue: { chunk: Buffer; dueMs: number }[] = [];
  private heldBytes = 0;
  private lastDueMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingForDrain = false;
  private ended = false;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly link: LinkProxy,
  ) {
    src.on('data', (chunk: Buffer) => this.onData(chunk));
    src.on('end', () => {
      this.ended = true;
      this.deliver();
    });
  }

  private onData(chunk: Buffer): void {
    const s = this.link.state;
    if (s.resetRate > 0 && this.link.random() < s.resetRate) {
      this.link.resetConnection(this.src);
      return;
    }
    let delayMs = s.latencyMs + (s.jitterMs > 0 ? this.link.random() * s.jitterMs : 0);
    if (s.lossRate > 0 && this.link.random() < s.lossRate) delayMs += s.retransmitMs;
    const now = performance.now();
    // Order is kept: a chunk never overtakes the one before it.
    this.lastDueMs = Math.max(now + delayMs, this.lastDueMs);
    this.queue.push({ chunk, dueMs: this.lastDueMs });
    this.heldBytes += chunk.length;
    if (this.heldBytes > maxHeldBytes) this.src.pause();
    this.deliver();
  }

  /** Passes on every chunk that is due, unless the link is blocked or the destination is full. */
  deliver(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.link.state.blocked) {
      this.src.pause();
      return;
    }
    const now = performance.now();
    while (this.queue.length > 0 && !this.waitingForDrain) {
      const head = this.queue[0]!;
      if (head.dueMs > now) {
        this.timer = setTimeout(() => this.deliver(), Math.ceil(head.dueMs - now));
        return;
      }
      this.queue.shift();
      this.heldBytes -= head.chunk.length;
      if (this.dst.destroyed) return;
      if (!this.dst.write(head.chunk)) {
        this.waitingForDrain = true;
        this.dst.once('drain', () => {
          this.waitingForDrain = false;
          this.deliver();
        });
      }
    }
    if (this.queue.length === 0 && this.ended && !this.dst.destroyed) this.dst.end();
    if (this.heldBytes <= maxHeldBytes / 2 && !this.waitingForDrain && !this.ended) {
      this.src.resume();
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

interface Connection {
  client: Socket;
  upstream: Socket | undefined;
  pumps: Pump[];
}

export class LinkProxy {
  state: LinkState = { ...healthyLink };
  private server: Server | undefined;
  /** The port it listens on (0 before listen()). */
  port = 0;
  private readonly connections = new Set<Connection>();
  /** Connections made, and reset by the loss emulation (for tests and the run's log). */
  readonly counters = { accepted: 0, resets: 0 };

  constructor(
    readonly targetHost: string,
    readonly targetPort: number,
    readonly random: () => number,
  ) {}

  /** Listens on `host`:`port` (0 = any free port); resolves with the port. */
  async listen(host = '127.0.0.1', port = 0): Promise<number> {
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('link proxy: no port');
    this.port = addr.port;
    return addr.port;
  }

  /** Changes the link; a heal of a block lets held bytes and connections through. */
  set(patch: Partial<LinkState>): void {
    this.state = { ...this.state, ...patch };
    for (const c of this.connections) {
      if (!this.state.blocked && c.upstream === undefined) this.connectUpstream(c);
      for (const p of c.pumps) p.deliver();
    }
  }

  heal(): void {
    this.set({ ...healthyLink });
  }

  get openConnections(): number {
    return this.connections.size;
  }

  private accept(client: Socket): void {
    this.counters.accepted++;
    client.setNoDelay(true);
    client.pause();
    const c: Connection = { client, upstream: undefined, pumps: [] };
    this.connections.add(c);
    client.on('error', () => this.drop(c));
    client.on('close', () => this.drop(c));
    // A blocked link holds new connections until it heals (a SYN into a partition).
    if (!this.state.blocked) this.connectUpstream(c);
  }

  private connectUpstream(c: Connection): void {
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    upstream.setNoDelay(true);
    c.upstream = upstream;
    upstream.on('error', () => this.drop(c));
    upstream.on('close', () => this.drop(c));
    upstream.on('connect', () => {
      c.pumps = [new Pump(c.client, upstream, this), new Pump(upstream, c.client, this)];
      c.client.resume();
    });
  }

  /** The loss emulation's reset: both sides see the connection end abruptly. */
  resetConnection(socket: Socket): void {
    for (const c of this.connections) {
      if (c.client !== socket && c.upstream !== socket) continue;
      this.counters.resets++;
      c.client.resetAndDestroy();
      c.upstream?.resetAndDestroy();
      this.drop(c);
    }
  }

  private drop(c: Connection): void {
    if (!this.connections.delete(c)) return;
    for (const p of c.pumps) p.stop();
    c.client.destroy();
    c.upstream?.destroy();
  }

  async close(): Promise<void> {
    for (const c of [...this.connections]) this.drop(c);
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise((r) => server.close(r));
  }
}
