// One Watch bidi stream on one endpoint, carrying many watchers, as etcd
// multiplexes them.
//
// Watch ids are chosen by the server (we send watch_id 0). The server
// answers create requests in the order it receives them, but to match a
// `created` response to its watcher without doubt we keep exactly one
// create in flight: the next create is sent when the previous one is
// answered (etcd's clientv3 does the same). Events for a new watch only
// follow its `created` response.
//
// The stream asks for a leader (`hasleader` metadata): a member that loses
// its leader ends the stream with "etcdserver: no leader", and the hub
// moves its watchers to a member that has one.

import * as grpc from '@grpc/grpc-js';
import type * as w from '../server/grpc/wire-types.js';
import type { Endpoint } from './connection.js';
import { compactedError, errorFromCancelReason, type EtcdClientError } from './errors.js';
import type { Watcher } from './watch.js';

/** etcd's id for a progress response that is for every watcher of the stream. */
const broadcastWatchId = '-1';

type Duplex = grpc.ClientDuplexStream<w.WatchRequest<'out'>, w.WatchResponse<'in'>>;

export interface WatchStreamHost {
  /** The stream failed (not closed by us): its watchers must move. */
  onBroken(stream: WatchStream, err: unknown, watchers: Watcher[]): void;
  /** The stream has no watchers left. */
  onIdle(stream: WatchStream): void;
}

export class WatchStream {
  private readonly call: Duplex;
  /** Watchers waiting for a create; the head's create is in flight when `inFlight`. */
  private readonly pending: Watcher[] = [];
  private inFlight = false;
  private readonly byId = new Map<string, Watcher>();
  /** Ids we asked the server to cancel, until it confirms. */
  private readonly canceling = new Set<string>();
  private closed = false;

  constructor(
    readonly endpoint: Endpoint,
    private readonly host: WatchStreamHost,
  ) {
    const md = new grpc.Metadata();
    md.set('hasleader', 'true');
    const client = endpoint.service('Watch') as unknown as {
      Watch(md: grpc.Metadata): Duplex;
    };
    this.call = client.Watch(md);
    this.call.on('data', (res: w.WatchResponse<'in'>) => this.onData(res));
    this.call.on('error', (err) => this.broken(err));
    this.call.on('end', () =>
      this.broken({ code: grpc.status.UNAVAILABLE, details: 'watch stream ended by the server' }),
    );
  }

  get watcherCount(): number {
    return this.pending.length + this.byId.size;
  }

  add(watcher: Watcher): void {
    this.pending.push(watcher);
    this.sendNextCreate();
  }

  /** The watcher ended (canceled or failed): stop it on the server. */
  remove(watcher: Watcher): void {
    const i = this.pending.indexOf(watcher);
    if (i > 0 || (i === 0 && !this.inFlight)) {
      this.pending.splice(i, 1);
    } else if (i === 0) {
      // Its create is in flight: onData cancels it when the id arrives.
    } else {
      for (const [id, x] of this.byId) {
        if (x !== watcher) continue;
        this.byId.delete(id);
        this.canceling.add(id);
        this.write({ cancel_request: { watch_id: id } });
      }
    }
    if (this.watcherCount === 0) this.host.onIdle(this);
  }

  requestProgress(): void {
    this.write({ progress_request: {} });
  }

  /** Ends the stream (we no longer need it); no 'broken' report follows. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.call.cancel();
  }

  private write(req: w.WatchRequest<'out'>): void {
    if (!this.closed) this.call.write(req);
  }

  private sendNextCreate(): void {
    if (this.inFlight || this.closed) return;
    const head = this.pending[0];
    if (head === undefined) return;
    this.inFlight = true;
    this.write({ create_request: head.createRequest() });
  }

  private onData(res: w.WatchResponse<'in'>): void {
    if (this.closed) return;
    if (res.created) {
      this.onCreated(res);
      return;
    }
    const id = res.watch_id;
    const watcher = this.byId.get(id);
    if (watcher === undefined) {
      if (res.canceled) this.canceling.delete(id);
      else if (id === broadcastWatchId && res.events.length === 0) {
        for (const x of this.byId.values()) x.onBroadcastProgress(res);
      }
      return; // a watcher we already canceled
    }
    if (res.canceled) {
      this.byId.delete(id);
      watcher.fail(this.cancelError(res));
      if (this.watcherCount === 0) this.host.onIdle(this);
      return;
    }
    watcher.onResponse(res);
  }

  private onCreated(res: w.WatchResponse<'in'>): void {
    const head = this.inFlight ? this.pending.shift() : undefined;
    this.inFlight = false;
    if (head === undefined) {
      this.sendNextCreate();
      return; // not ours to explain; never expected
    }
    if (res.canceled) {
      head.fail(this.cancelError(res));
    } else if (head.done) {
      // Canceled while its create was in flight.
      this.canceling.add(res.watch_id);
      this.write({ cancel_request: { watch_id: res.watch_id } });
    } else {
      this.byId.set(res.watch_id, head);
      head.onCreated(res.header, this.endpoint.address);
      if (res.events.length > 0) head.onResponse({ ...res, created: false });
    }
    this.sendNextCreate();
    if (this.watcherCount === 0) this.host.onIdle(this);
  }

  private cancelError(res: w.WatchResponse<'in'>): EtcdClientError {
    const compact = BigInt(res.compact_revision || '0');
    return compact > 0n
      ? compactedError(compact, this.endpoint.address)
      : errorFromCancelReason(res.cancel_reason, this.endpoint.address);
  }

  private broken(err: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.call.cancel();
    const watchers = [...this.pending, ...this.byId.values()];
    this.pending.length = 0;
    this.byId.clear();
    this.host.onBroken(this, err, watchers);
  }
}
