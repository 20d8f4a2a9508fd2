// The client-facing gRPC server: etcd's KV, Watch, Cluster, Maintenance and Lease
// services, its Lock and Election services, and the standard health
// service on --listen-client-urls.
// Services not implemented yet (Auth) answer UNIMPLEMENTED,
// which grpc-js does for any service that is not registered.

import type * as grpc from '@grpc/grpc-js';
import { limits } from '../limits.js';
import { clusterService } from './api/cluster/index.js';
import type { ApiContext } from './api/context.js';
import { healthService } from './api/health.js';
import { kvService } from './api/kv/index.js';
import { leaseService } from './api/lease/index.js';
import { electionService } from './api/election/index.js';
import { lockService, SelfClient, selfEndpoint } from './api/lock/index.js';
import { maintenanceService } from './api/maintenance/index.js';
import { watchService, watchServiceDefinition } from './api/watch/index.js';
import { AuthorityFixingServer } from './grpc/authority-fix.js';
import { clientProtos } from './grpc/protos.js';
import { checkedService, receiveHardLimitBytes } from './grpc/request-checks.js';

export async function startClientServer(
  ctx: ApiContext,
  url: URL,
  maxRequestBytes: number,
): Promise<{ server: grpc.Server; port: number; selfClient: SelfClient }> {
  const protos = clientProtos();
  // etcd accepts frames up to the request limit plus its gRPC overhead;
  // larger ones are refused as grpc-go refuses them (grpc/request-checks.ts).
  const frameLimitBytes = maxRequestBytes + limits.grpcOverheadBytes;
  // Also serves etcd 3.4's client dialing a URL endpoint (grpc/authority-fix.ts).
  const server = new AuthorityFixingServer({
    'grpc.max_receive_message_length': receiveHardLimitBytes(frameLimitBytes),
    'grpc.max_send_message_length': 2 ** 31 - 1,
    'grpc.keepalive_time_ms': 2 * 60 * 60 * 1000,
    'grpc.keepalive_timeout_ms': 20 * 1000,
    'grpc.http2.min_ping_interval_without_data_ms': 5 * 1000,
  });
  const checked = (def: grpc.ServiceDefinition) => checkedService(def, frameLimitBytes);
  server.addService(checked(protos.KVService), kvService(ctx));
  server.addService(checked(protos.ClusterService), clusterService(ctx));
  server.addService(checked(protos.MaintenanceService), maintenanceService(ctx));
  server.addService(checked(protos.LeaseService), leaseService(ctx));
  server.addService(watchServiceDefinition(checked(protos.WatchService)), watchService(ctx));
  server.addService(checked(protos.HealthService), healthService(ctx, ctx.cfg.heartbeatIntervalMs));
  // Lock and Election run etcd's recipes through a client of this member,
  // made on first use, once the port is bound (api/lock/self-client.ts).
  const bound = { port: 0 };
  const selfClient = new SelfClient(() => selfEndpoint(url, bound.port), ctx.log);
  server.addService(checked(protos.LockService), lockService(ctx, selfClient));
  server.addService(checked(protos.ElectionService), electionService(ctx, selfClient));
  const port = await server.listen(url.hostname, Number(url.port));
  bound.port = port;
  return { server, port, selfClient };
}
