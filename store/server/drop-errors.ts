// What a client hears when the Raft core refuses a proposal outright.

import { etcdError, type EtcdError } from '../errors.js';
import { ProposalDroppedError } from '../raft/index.js';

export function proposalRefused(err: unknown): EtcdError | undefined {
  if (!(err instanceof ProposalDroppedError)) return undefined;
  switch (err.reason) {
    case 'no-leader':
    case 'forwarding-disabled':
      return etcdError('NoLeader', err.message);
    case 'leader-transfer':
    case 'leader-removing-itself':
    case 'not-leader':
      return etcdError('LeaderChanged', err.message);
    case 'uncommitted-limit':
      return etcdError('TooManyRequests', err.message);
    case 'not-member':
      return etcdError('NotCapable', err.message);
    case 'conf-change-pending':
      // etcd refuses a second membership change while one is in flight.
      return etcdError('MemberNotEnoughStarted', err.message);
    case 'invalid-conf-change':
      return etcdError('MemberNotEnoughStarted', err.message);
  }
}
