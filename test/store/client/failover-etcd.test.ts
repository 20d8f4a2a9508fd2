// The failover suite (failover-suite.ts) against real etcd 3.4.
import { failoverSuite } from './failover-suite.js';

failoverSuite('etcd');
