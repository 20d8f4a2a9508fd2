// proto/capstan/lease-forward.proto, loaded once on first use, and the
// shapes of its messages under the loader options (the same as the peer
// protocol's: camelCase fields, int64 as decimal strings, defaults filled).

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

export interface WireLeaseRenewRequest {
  clusterId: string;
  id: string;
}

export interface WireLeaseRenewResponse {
  ttl: string;
}

export interface WireLeaseTimeToLiveRequest {
  clusterId: string;
  id: string;
  keys: boolean;
}

export interface WireLeaseTimeToLiveResponse {
  ttl: string;
  grantedTtl: string;
  keys: Uint8Array[];
}

/** The proto sits at <repo>/proto; this module runs from <repo>/store/lease or dist/store/lease. */
function protoPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '../../proto'), join(here, '../../../proto')];
  for (const dir of candidates) {
    const p = join(dir, 'capstan/lease-forward.proto');
    if (existsSync(p)) return p;
  }
  throw new Error(`capstan/lease-forward.proto not found (looked in ${candidates.join(', ')})`);
}

let service: grpc.ServiceDefinition | undefined;

/** The LeaseForward service, for grpc.Server.addService and for making calls. */
export function leaseForwardService(): grpc.ServiceDefinition {
  service ??= loadSync(protoPath(), {
    keepCase: false,
    longs: String,
    enums: Number,
    defaults: true,
    oneofs: false,
  })['capstanraft.LeaseForward'] as grpc.ServiceDefinition;
  return service;
}

export function renewMethod(): grpc.MethodDefinition<
  WireLeaseRenewRequest,
  WireLeaseRenewResponse
> {
  return leaseForwardService()['Renew'] as grpc.MethodDefinition<
    WireLeaseRenewRequest,
    WireLeaseRenewResponse
  >;
}

export function timeToLiveMethod(): grpc.MethodDefinition<
  WireLeaseTimeToLiveRequest,
  WireLeaseTimeToLiveResponse
> {
  return leaseForwardService()['TimeToLive'] as grpc.MethodDefinition<
    WireLeaseTimeToLiveRequest,
    WireLeaseTimeToLiveResponse
  >;
}
