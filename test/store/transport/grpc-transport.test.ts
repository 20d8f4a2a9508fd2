// GrpcTransport: the shared contract over real sockets on 127.0.0.1.

import { transportConformance } from './conformance.js';
import { snapshotConformance } from './conformance-snapshots.js';
import { grpcHarness } from './grpc-harness.js';

transportConformance('GrpcTransport', grpcHarness);
snapshotConformance('GrpcTransport', grpcHarness);
