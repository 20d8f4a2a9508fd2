// Which failed requests are recorded as definitely not executed ('fail')
// and which as maybe executed ('unknown'): calling an executed write 'fail'
// would make a correct store look like it invented a value.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { status } from '@grpc/grpc-js';
import {
  DeadlineExceededError,
  EtcdClientError,
  NoEndpointAvailableError,
  errorForEtcdCode,
  errorFromStatus,
} from '../../../store/client/index.js';
import { outcomeOfError } from '../../../store/chaos/workloads/index.js';

describe('outcomeOfError', () => {
  it('fails a read whatever went wrong: it had no effect', () => {
    assert.equal(outcomeOfError(new DeadlineExceededError('late'), 'read'), 'fail');
    assert.equal(outcomeOfError(errorForEtcdCode('LeaderChanged'), 'read'), 'fail');
  });

  it('fails a write only when it provably never executed', () => {
    assert.equal(outcomeOfError(errorForEtcdCode('NoLeader'), 'write'), 'fail');
    assert.equal(outcomeOfError(new NoEndpointAvailableError('down'), 'write'), 'fail');
    const notSent = errorFromStatus({
      code: status.UNAVAILABLE,
      details: 'No connection established',
    });
    assert.equal(outcomeOfError(notSent, 'write'), 'fail');
    for (const code of ['NoSpace', 'TooManyRequests', 'RequestTooLarge', 'DuplicateKey'] as const) {
      assert.equal(outcomeOfError(errorForEtcdCode(code), 'write'), 'fail', code);
    }
  });

  it('leaves a write unknown when it may have committed', () => {
    for (const code of ['LeaderChanged', 'Timeout', 'TimeoutDueToLeaderFail', 'Stopped'] as const) {
      assert.equal(outcomeOfError(errorForEtcdCode(code), 'write'), 'unknown', code);
    }
    assert.equal(outcomeOfError(new DeadlineExceededError('late'), 'write'), 'unknown');
    const dropped = errorFromStatus({ code: status.UNAVAILABLE, details: 'Connection dropped' });
    assert.equal(outcomeOfError(dropped, 'write'), 'unknown');
    const reset = new EtcdClientError('Received RST_STREAM with code 2', status.INTERNAL);
    assert.equal(outcomeOfError(reset, 'write'), 'unknown');
    assert.equal(outcomeOfError(new Error('anything else'), 'write'), 'unknown');
  });
});
