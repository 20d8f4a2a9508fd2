// A small client of etcd's Lease service for tests (the typed client in
// store/client does not speak it yet): unary calls as promises, errors as
// EtcdError when they are etcd's, and a keepalive stream that answers each
// request in turn.

import * as grpc from '@grpc/grpc-js';
import { etcdErrorFromStatus } from '../../../../../store/errors.js';
import { clientProtos } from '../../../../../store/server/grpc/protos.js';
import type * as w from '../../../../../store/server/grpc/wire-types.js';

type Unary<Req, Res> = (req: Req, timeoutMs?: number) => Promise<Res>;

export interface KeepAliveStream {
  /** Sends one keepalive and resolves with its answer. */
  keepAlive(id: bigint | string, timeoutMs?: number): Promise<w.LeaseKeepAliveResponse<'in'>>;
  close(): void;
}

export interface LeaseClient {
  grant: Unary<w.LeaseGrantRequest<'out'>, w.LeaseGrantResponse<'in'>>;
  revoke: Unary<w.LeaseRevokeRequest<'out'>, w.LeaseRevokeResponse<'in'>>;
  timeToLive: Unary<w.LeaseTimeToLiveRequest<'out'>, w.LeaseTimeToLiveResponse<'in'>>;
  leases: Unary<w.LeaseLeasesRequest<'out'>, w.LeaseLeasesResponse<'in'>>;
  stream(): KeepAliveStream;
  close(): void;
}

export function leaseClient(endpoint: string): LeaseClient {
  const client = new (clientProtos().clients.Lease)(endpoint, grpc.credentials.createInsecure());
  const call =
    <Req, Res>(method: string): Unary<Req, Res> =>
    (req, timeoutMs = 10_000) =>
      new Promise<Res>((resolve, reject) => {
        type Method = (
          req: Req,
          opts: grpc.CallOptions,
          cb: (err: grpc.ServiceError | null, res: Res) => void,
        ) => void;
        const fn = (client as unknown as Record<string, Method>)[method]!;
        fn.call(client, req, { deadline: Date.now() + timeoutMs }, (err, res) =>
          err ? reject(etcdErrorFromStatus(err) ?? err) : resolve(res),
        );
      });
  return {
    grant: call('LeaseGrant'),
    revoke: call('LeaseRevoke'),
    timeToLive: call('LeaseTimeToLive'),
    leases: call('LeaseLeases'),
    stream: () => keepAliveStream(client),
    close: () => client.close(),
  };
}

function keepAliveStream(client: grpc.Client): KeepAliveStream {
  const duplex = (
    client as unknown as {
      LeaseKeepAlive(): grpc.ClientDuplexStream<
        w.LeaseKeepAliveRequest<'out'>,
        w.LeaseKeepAliveResponse<'in'>
      >;
    }
  ).LeaseKeepAlive();
  const waiting: {
    resolve: (r: w.LeaseKeepAliveResponse<'in'>) => void;
    reject: (e: unknown) => void;
  }[] = [];
  let failed: unknown;
  duplex.on('data', (r: w.LeaseKeepAliveResponse<'in'>) => waiting.shift()?.resolve(r));
  duplex.on('error', (e: grpc.ServiceError) => {
    failed = etcdErrorFromStatus(e) ?? e;
    for (const w of waiting.splice(0)) w.reject(failed);
  });
  return {
    keepAlive: (id, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        if (failed !== undefined) return reject(failed);
        const timer = setTimeout(() => reject(new Error('keepalive timed out')), timeoutMs);
        waiting.push({
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        duplex.write({ ID: String(id) });
      }),
    close: () => duplex.cancel(),
  };
}
