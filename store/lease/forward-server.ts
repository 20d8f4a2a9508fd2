// The leader's side of lease forwarding: the LeaseForward service on the
// replica's peer gRPC server (proto/capstan/lease-forward.proto). A request
// from another cluster is refused before anything is looked up.

import * as grpc from '@grpc/grpc-js';
import {
  leaseForwardService,
  type WireLeaseRenewRequest,
  type WireLeaseRenewResponse,
  type WireLeaseTimeToLiveRequest,
  type WireLeaseTimeToLiveResponse,
} from './forward-proto.js';
import type { LocalRenew, LocalTimeToLive } from './replica-lessor.js';

/** What the service asks of the member it runs on (lease-requests.ts). */
export interface ForwardedLeases {
  readonly clusterId: bigint;
  renewForPeer(id: bigint, signal: AbortSignal): Promise<LocalRenew>;
  timeToLiveForPeer(id: bigint, keys: boolean, signal: AbortSignal): Promise<LocalTimeToLive>;
}

type Status = Partial<grpc.StatusObject>;

export const forwardStatus = {
  notFound: { code: grpc.status.NOT_FOUND, details: 'capstan: lease not found' },
  notPrimary: {
    code: grpc.status.FAILED_PRECONDITION,
    details: 'capstan: not the primary lessor',
  },
  otherCluster: {
    code: grpc.status.FAILED_PRECONDITION,
    details: 'capstan: lease request from another cluster',
  },
  badRequest: { code: grpc.status.INVALID_ARGUMENT, details: 'capstan: malformed lease request' },
  failed: { code: grpc.status.UNAVAILABLE, details: 'capstan: lease request failed' },
} as const satisfies Record<string, Status>;

function ids(req: {
  clusterId: string;
  id: string;
}): { clusterId: bigint; id: bigint } | undefined {
  try {
    return { clusterId: BigInt(req.clusterId), id: BigInt(req.id) };
  } catch {
    return undefined;
  }
}

/** Aborts when the caller gives up (deadline, cancel, connection lost). */
function abortedWith(call: grpc.ServerUnaryCall<unknown, unknown>): AbortSignal {
  const ac = new AbortController();
  call.once('cancelled', () => ac.abort());
  return ac.signal;
}

export function registerLeaseForwarding(server: grpc.Server, target: ForwardedLeases): void {
  const impl: grpc.UntypedServiceImplementation = {
    Renew: (
      call: grpc.ServerUnaryCall<WireLeaseRenewRequest, WireLeaseRenewResponse>,
      cb: grpc.sendUnaryData<WireLeaseRenewResponse>,
    ) => {
      const req = ids(call.request);
      if (req === undefined) return cb(forwardStatus.badRequest);
      if (req.clusterId !== target.clusterId) return cb(forwardStatus.otherCluster);
      target.renewForPeer(req.id, abortedWith(call)).then(
        (r) => {
          if (r.kind === 'renewed') cb(null, { ttl: String(r.ttl) });
          else cb(r.kind === 'not-found' ? forwardStatus.notFound : forwardStatus.notPrimary);
        },
        () => cb(forwardStatus.failed),
      );
    },
    TimeToLive: (
      call: grpc.ServerUnaryCall<WireLeaseTimeToLiveRequest, WireLeaseTimeToLiveResponse>,
      cb: grpc.sendUnaryData<WireLeaseTimeToLiveResponse>,
    ) => {
      const req = ids(call.request);
      if (req === undefined) return cb(forwardStatus.badRequest);
      if (req.clusterId !== target.clusterId) return cb(forwardStatus.otherCluster);
      target.timeToLiveForPeer(req.id, call.request.keys, abortedWith(call)).then(
        (r) => {
          if (r.kind === 'found') {
            cb(null, { ttl: String(r.ttl), grantedTtl: String(r.grantedTtl), keys: r.keys });
          } else {
            cb(r.kind === 'not-found' ? forwardStatus.notFound : forwardStatus.notPrimary);
          }
        },
        () => cb(forwardStatus.failed),
      );
    },
  };
  server.addService(leaseForwardService(), impl);
}
