// The client port's listener: a grpc-js server that also serves etcd 3.4's
// client when it dials an endpoint given as a URL.
//
// etcd 3.4's client (every `etcdctl endpoint … --cluster`, and
// `--endpoints=http://…` for endpoint commands) sends the endpoint URL
// itself as the HTTP/2 :authority, "http://127.0.0.1:2379". Go's HTTP/2
// takes it; Node's (nghttp2) refuses the stream with RST_STREAM
// PROTOCOL_ERROR before grpc-js sees it, and offers no switch to allow it.
//
// So the port is ours: a net.Server accepts each connection and hands it
// to grpc-js through its public connection injector
// (Server.createConnectionInjector, grpc-js ≥ 1.10, made for this). Before
// the hand-off, authority-sniff.ts reads the start of the connection up to
// the first request's header block:
//
//   - a valid authority (grpc-js, grpc-go with host:port, curl, …): the
//     socket itself goes to the server, with the bytes read so far put
//     back in front. Node's HTTP/2 then reads it natively, as if it had
//     accepted it: no cost per request, a few hundred bytes looked at once.
//   - an authority Node refuses: the server gets a stream whose client
//     bytes pass through authority-rewrite.ts (header blocks decoded and
//     encoded again with the authority made host:port; all else as is);
//     the server's bytes go to the socket untouched.
//
// grpc-go sends no request before the server's preface, so an empty
// SETTINGS frame is sent on accept (authority-sniff.ts says why that is
// safe). Malformed input closes only its own connection. Shutting the
// server down (forceShutdown, tryShutdown) also closes the listener and
// drops connections still being looked at.
//
// Alternatives not taken: rewriting every connection (costs every client
// a JS hop per frame); guessing the client from its SETTINGS (grpc-go with
// a good authority would pay, and it is a guess); a second port (etcdctl
// uses the advertised URLs).

import * as net from 'node:net';
import { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { AuthorityRewriter } from './authority-rewrite.js';
import { FirstRequestSniffer, type SniffVerdict } from './authority-sniff.js';
import { emptySettingsFrame } from './h2-frames.js';

/**
 * How long a client whose first request is in may take to acknowledge our
 * SETTINGS before its connection is rewritten instead (a client that does
 * not ACK at all breaks RFC 9113 §6.5.3 but should not hang).
 */
export const settingsAckWaitMs = 2_000;

export class AuthorityFixingServer extends grpc.Server {
  private listener: net.Server | undefined;
  /** Connections accepted and not yet handed to grpc-js. */
  private readonly looking = new Set<net.Socket>();
  private stopped = false;
  /** Connections handed to grpc-js so far: as they are, or through the rewriter. */
  readonly handedOff = { direct: 0, rewritten: 0 };

  /**
   * Listens on host:port (port 0: one the system picks) and resolves with
   * the port. A listen error rejects in grpc-js's words, as bindAsync did.
   */
  async listen(host: string, port: number): Promise<number> {
    if (this.listener !== undefined || this.stopped) {
      throw new Error('authority-fix: listen called twice or after shutdown');
    }
    const injector = this.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const listener = net.createServer((socket) => this.accept(socket, injector));
    try {
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen({ host: host.replace(/^\[(.*)\]$/, '$1'), port }, () => {
          listener.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      injector.destroy();
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`No address added out of total 1 resolved errors: [${message}]`, {
        cause: err,
      });
    }
    // An accept error (EMFILE) loses that one connection; the listener goes on.
    listener.on('error', () => undefined);
    this.listener = listener;
    if (this.stopped) {
      this.stopListening(); // shut down while the listen was under way
      throw new Error('authority-fix: the server was shut down');
    }
    const address = listener.address();
    if (address === null || typeof address === 'string') {
      throw new Error('authority-fix: the listener has no TCP port');
    }
    return address.port;
  }

  override forceShutdown(): void {
    this.stopListening();
    super.forceShutdown();
  }

  override tryShutdown(callback: (error?: Error) => void): void {
    this.stopListening();
    super.tryShutdown(callback);
  }

  private stopListening(): void {
    this.stopped = true;
    this.listener?.close();
    for (const socket of this.looking) socket.destroy();
    this.looking.clear();
  }

  private accept(socket: net.Socket, injector: grpc.ConnectionInjector): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const sniffer = new FirstRequestSniffer();
    let ackTimer: NodeJS.Timeout | undefined;
    const stopLooking = () => {
      socket.pause();
      socket.off('data', onData);
      socket.off('error', onGone);
      socket.off('close', onGone);
      clearTimeout(ackTimer);
      this.looking.delete(socket);
    };
    const onGone = () => {
      stopLooking();
      socket.destroy();
    };
    // A bug here must not take the process down: the connection is lost instead.
    const safely = (fn: () => void) => {
      try {
        fn();
      } catch {
        onGone();
      }
    };
    const settle = (verdict: SniffVerdict) => {
      if (verdict.kind === 'wait') {
        if (verdict.waitingForAck && ackTimer === undefined) {
          const giveUp = () => safely(() => settle(sniffer.giveUp()));
          ackTimer = setTimeout(giveUp, settingsAckWaitMs);
        }
        return;
      }
      stopLooking();
      if (verdict.kind === 'direct') {
        this.handedOff.direct++;
        if (verdict.bytes.length > 0) socket.unshift(verdict.bytes);
        injector.injectConnection(socket);
      } else {
        this.handedOff.rewritten++;
        const rewriter = new AuthorityRewriter({ dropFirstSettingsAck: verdict.ackPending });
        injector.injectConnection(new RewrittenConnection(socket, rewriter, verdict.bytes));
      }
    };
    const onData = (chunk: Buffer) =>
      safely(() => {
        const step = sniffer.push(chunk);
        for (const reply of step.replies) socket.write(reply);
        settle(step.verdict);
      });
    this.looking.add(socket);
    socket.on('data', onData);
    socket.on('error', onGone);
    socket.on('close', onGone);
    socket.write(emptySettingsFrame);
  }
}

/**
 * What the server reads and writes for a rewritten connection: the
 * client's bytes through the rewriter, its own bytes to the socket as they
 * are. Either side closing closes both.
 */
class RewrittenConnection extends Duplex {
  constructor(
    private readonly socket: net.Socket,
    private readonly rewriter: AuthorityRewriter,
    first: Buffer,
  ) {
    super();
    this.fromClient(first);
    socket.on('data', (chunk: Buffer) => this.fromClient(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
    socket.resume(); // paused while it was looked at
  }

  private fromClient(chunk: Buffer): void {
    let out: Buffer[];
    try {
      out = this.rewriter.push(chunk);
    } catch {
      // A FrameError or HpackError: the client broke the protocol; close its connection only.
      this.socket.destroy();
      return;
    }
    let more = true;
    for (const b of out) more = this.push(b) && more;
    if (!more) this.socket.pause();
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void) {
    this.socket.write(chunk, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.socket.end();
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket.destroy();
    done(err);
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
}
