// Loads capstan's client-facing protos (the etcd v3 API, etcd's lock and
// election services, gRPC health) with @grpc/proto-loader, once, on first use.
//
// Conventions fixed here hold for every message the server and the typed
// client exchange (see docs/store-design.md, "Numbers", and wire-types.ts):
//
// - keepCase: field names stay snake_case as in the .proto, so the objects
//   match etcd's field names one to one (`create_revision`, `raft_term`).
// - longs: String: every int64/uint64 decodes as a decimal string, without
//   loss (uint64 as unsigned, int64 as signed). To encode, give a decimal
//   string or a safe-integer number. A string that is not a decimal integer
//   encodes silently as 0, and out-of-range values wrap: validate first.
// - enums: Number: enums decode as their numbers (etcd's values); names are
//   accepted on encode, numbers are what we send.
// - defaults: true: absent scalars decode as their zero value ('0', false,
//   empty Buffer), absent repeated fields as [], absent messages as null.
// - oneofs: true: a oneof's set member is also named in a virtual field
//   (`request: 'request_put'`), so decoded oneofs are discriminated unions.
// - bytes: Buffer. protobufjs only tests this option against String (base64)
//   and Array; anything else keeps the decoder's own type, which on Node is
//   Buffer. We say Buffer because that is what arrives: a view into the
//   received frame (copy before keeping it long term). To encode, any
//   Uint8Array works; never a string, which is read as base64.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Entry files, relative to the proto root; their imports come along. */
export const clientProtoFiles = [
  'etcd/etcdserverpb/rpc.proto',
  'etcd/v3lockpb/v3lock.proto',
  'etcd/v3electionpb/v3election.proto',
  'grpc/health/v1/health.proto',
] as const;

/** The loader options every capstan client-API codec uses (includeDirs added at load). */
export const protoLoaderOptions = {
  keepCase: true,
  longs: String,
  enums: Number,
  defaults: true,
  oneofs: true,
  bytes: Buffer,
} as const satisfies protoLoader.Options;

/** Fully qualified names of the services, as gRPC paths use them. */
export const serviceNames = {
  KV: 'etcdserverpb.KV',
  Watch: 'etcdserverpb.Watch',
  Lease: 'etcdserverpb.Lease',
  Cluster: 'etcdserverpb.Cluster',
  Maintenance: 'etcdserverpb.Maintenance',
  Auth: 'etcdserverpb.Auth',
  Lock: 'v3lockpb.Lock',
  Election: 'v3electionpb.Election',
  Health: 'grpc.health.v1.Health',
} as const;

export type ServiceName = keyof typeof serviceNames;

export interface ClientProtos {
  readonly protoDir: string;
  readonly packageDefinition: protoLoader.PackageDefinition;
  readonly grpcObject: grpc.GrpcObject;
  readonly KVService: grpc.ServiceDefinition;
  readonly WatchService: grpc.ServiceDefinition;
  readonly LeaseService: grpc.ServiceDefinition;
  readonly ClusterService: grpc.ServiceDefinition;
  readonly MaintenanceService: grpc.ServiceDefinition;
  readonly AuthService: grpc.ServiceDefinition;
  readonly LockService: grpc.ServiceDefinition;
  readonly ElectionService: grpc.ServiceDefinition;
  readonly HealthService: grpc.ServiceDefinition;
  /** Client constructors, e.g. `new clients.KV(address, credentials)`. */
  readonly clients: Readonly<Record<ServiceName, grpc.ServiceClientConstructor>>;
}

/**
 * The directory holding `etcd/etcdserverpb/rpc.proto`: the nearest `proto/`
 * above `fromDir`. Walking up makes it work both from the sources
 * (store/server/grpc) and from the build (dist/store/server/grpc).
 */
export function findProtoDir(fromDir: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, clientProtoFiles[0]))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`capstan: no proto/${clientProtoFiles[0]} above ${fromDir}`);
    }
    dir = parent;
  }
}

/** Loads the protos from `protoDir`; prefer `clientProtos()`, which loads once. */
export function loadClientProtos(protoDir: string = findProtoDir()): ClientProtos {
  const packageDefinition = protoLoader.loadSync([...clientProtoFiles], {
    ...protoLoaderOptions,
    includeDirs: [protoDir],
  });
  const grpcObject = grpc.loadPackageDefinition(packageDefinition);
  const service = (name: ServiceName): grpc.ServiceDefinition => {
    const def = packageDefinition[serviceNames[name]];
    if (def === undefined || 'format' in def) {
      throw new Error(`capstan: ${serviceNames[name]} is not a service in ${protoDir}`);
    }
    return def as grpc.ServiceDefinition;
  };
  const names = Object.keys(serviceNames) as ServiceName[];
  const clients = Object.fromEntries(
    names.map((name) => [name, grpc.makeClientConstructor(service(name), serviceNames[name])]),
  ) as Record<ServiceName, grpc.ServiceClientConstructor>;
  return Object.freeze({
    protoDir,
    packageDefinition,
    grpcObject,
    KVService: service('KV'),
    WatchService: service('Watch'),
    LeaseService: service('Lease'),
    ClusterService: service('Cluster'),
    MaintenanceService: service('Maintenance'),
    AuthService: service('Auth'),
    LockService: service('Lock'),
    ElectionService: service('Election'),
    HealthService: service('Health'),
    clients: Object.freeze(clients),
  });
}

// A cache of constant data, not mutable state: parsing the protos takes
// tens of milliseconds and the result never changes.
let loaded: ClientProtos | undefined;

/** The client-API protos, loaded on first call and shared afterwards. */
export function clientProtos(): ClientProtos {
  loaded ??= loadClientProtos();
  return loaded;
}

/** The codec of one message type, e.g. `messageCodec('etcdserverpb.RangeRequest')`. */
export function messageCodec<In = unknown, Out = unknown>(
  fullName: string,
): protoLoader.MessageTypeDefinition<In, Out> {
  const def = clientProtos().packageDefinition[fullName];
  if (def === undefined || def.format !== 'Protocol Buffer 3 DescriptorProto') {
    throw new Error(`capstan: ${fullName} is not a message type`);
  }
  return def as unknown as protoLoader.MessageTypeDefinition<In, Out>;
}
