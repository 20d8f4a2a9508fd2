// A grpc-js server for tests: loopback only, on a port the kernel picks.
import * as grpc from '@grpc/grpc-js';

export interface TestServer {
  /** host:port, as etcdctl's --endpoints takes it. */
  readonly endpoint: string;
  close(): Promise<void>;
}

export async function startGrpcServer(
  services: readonly (readonly [grpc.ServiceDefinition, grpc.UntypedServiceImplementation])[],
): Promise<TestServer> {
  const server = new grpc.Server();
  for (const [definition, implementation] of services)
    server.addService(definition, implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err === null ? resolve(bound) : reject(err),
    );
  });
  return {
    endpoint: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // etcdctl does not linger, but a stuck call must not hold the suite.
        const force = setTimeout(() => server.forceShutdown(), 2000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
