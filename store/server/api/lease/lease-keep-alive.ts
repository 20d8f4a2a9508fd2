// Lease.LeaseKeepAlive: a bidirectional stream; each request renews one
// lease and is answered, in order, with the lease's TTL — or TTL 0 when the
// lease does not exist or expired before it could be renewed, as etcd
// answers. Renewal happens on the leader (store/lease/lease-requests.ts
// forwards it there). Any other failure (no leader, request timed out,
// server stopped) ends the stream with etcd's error; clients reopen it.
//
// As etcd does, the header is taken before the renewal, so its revision is
// never later than the moment the lease was known to be alive.
//
// Requests are handled one at a time; while one waits, at most
// maxQueuedKeepAlives more are buffered, then the stream stops reading
// (HTTP/2 flow control pushes back on the client).

import type * as grpc from '@grpc/grpc-js';
import { isEtcdError, toServiceError } from '../../../errors.js';
import { refusedRequest } from '../../grpc/request-checks.js';
import type * as w from '../../grpc/wire-types.js';
import { idIn, leaseOut } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { asWireError } from '../unary.js';

const maxQueuedKeepAlives = 64;

type Call = grpc.ServerDuplexStream<w.LeaseKeepAliveRequest<'in'>, w.LeaseKeepAliveResponse<'out'>>;

export function leaseKeepAlive(ctx: ApiContext) {
  return (call: Call): void => new KeepAliveStream(ctx, call).start();
}

class KeepAliveStream {
  private readonly queue: w.LeaseKeepAliveRequest<'in'>[] = [];
  private readonly gone = new AbortController();
  private busy = false;
  private ended = false;
  private finished = false;

  constructor(
    private readonly ctx: ApiContext,
    private readonly call: Call,
  ) {}

  start(): void {
    this.call.on('data', (req: w.LeaseKeepAliveRequest<'in'>) => {
      if (this.finished) return;
      const refused = refusedRequest(req);
      if (refused !== undefined) return this.fail(refused);
      this.queue.push(req);
      if (this.queue.length >= maxQueuedKeepAlives) this.call.pause();
      void this.drain();
    });
    this.call.on('end', () => {
      this.ended = true;
      void this.drain();
    });
    this.call.on('cancelled', () => this.close());
    this.call.on('error', () => this.close());
  }

  private close(): void {
    this.finished = true;
    this.gone.abort();
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (!this.finished && this.queue.length > 0) {
        const req = this.queue.shift()!;
        if (this.call.isPaused()) this.call.resume();
        await this.answer(req);
      }
      if (this.ended && !this.finished && this.queue.length === 0) {
        this.finished = true;
        this.call.end();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.busy = false;
    }
  }

  private async answer(req: w.LeaseKeepAliveRequest<'in'>): Promise<void> {
    const id = idIn(req.ID);
    const header = this.ctx.header(this.ctx.mvcc.currentRevision());
    let ttl: number;
    try {
      ttl = await this.ctx.leases.renew(id, this.gone.signal);
    } catch (err) {
      if (!isEtcdError(err, 'LeaseNotFound')) throw err;
      ttl = 0;
    }
    if (this.finished) return;
    if (!this.call.write({ header, ID: leaseOut(id), TTL: ttl })) await this.drained();
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.call.off('drain', done);
        this.gone.signal.removeEventListener('abort', done);
        resolve();
      };
      this.call.on('drain', done);
      this.gone.signal.addEventListener('abort', done, { once: true });
    });
  }

  private fail(err: unknown): void {
    if (this.finished) return;
    this.close();
    const status = toServiceError(asWireError(err, this.ctx.log, 'LeaseKeepAlive'));
    // grpc-js ends a server stream with this status when 'error' is emitted on it.
    this.call.emit('error', status);
  }
}
