// The member's client of itself, shared by the Lock and Election services.
// etcd builds both on its own client (clientv3/concurrency) connected to
// the member that serves them; capstan does the same with the typed client
// (store/client) dialing this member's client port over loopback. Made on
// the first Lock or Election call, when the port is bound; closed when the
// member stops.
//
// One endpoint only: the recipes' requests are served (or forwarded to the
// Raft leader) by this member, as etcd's are.

import { Client } from '../../../client/index.js';
import { etcdError } from '../../../errors.js';
import type { Logger } from '../../logger.js';

/** Where the member's client of itself dials: its first client URL, a wildcard host as loopback. */
export function selfEndpoint(listenUrl: URL, port: number): string {
  const host = listenUrl.hostname;
  if (host === '0.0.0.0' || host === '') return `127.0.0.1:${port}`;
  if (host === '[::]') return `[::1]:${port}`;
  return `${host}:${port}`;
}

export class SelfClient {
  private client: Client | undefined;
  private closed = false;

  constructor(
    /** host:port of this member's client API; called on first use, once the port is bound. */
    private readonly endpoint: () => string,
    private readonly log: Logger,
  ) {}

  /** The client, made on first use. */
  get(): Client {
    if (this.closed) throw etcdError('Stopped');
    this.client ??= new Client({ endpoints: [this.endpoint()], logger: this.log });
    return this.client;
  }

  /** Ends the client's streams and connection; later get() calls fail. */
  close(): void {
    this.closed = true;
    this.client?.close();
    this.client = undefined;
  }
}
