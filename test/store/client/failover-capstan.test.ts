// The failover suite (failover-suite.ts) against capstan.
import { failoverSuite } from './failover-suite.js';

failoverSuite('capstan');
