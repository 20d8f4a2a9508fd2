// KV.Put and KV.Txn check the space quota before anything else, as etcd's
// quota server wraps its KV server: a full database answers NoSpace even to
// a request that is invalid, and a Txn that puts nothing always passes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { Command } from '../../../../../store/mvcc/index.js';
import type { ApiContext } from '../../../../../store/server/api/context.js';
import { put } from '../../../../../store/server/api/kv/put.js';
import { txn } from '../../../../../store/server/api/kv/txn.js';
import { createLogger } from '../../../../../store/server/logger.js';
import { BackendQuota } from '../../../../../store/server/quota.js';
import { Harness } from '../../../mvcc/helpers.js';

async function context(sizeBytes: number, quotaBytes: number) {
  const h = await Harness.memory();
  const log = createLogger('silent', {});
  const propose = (command: Command) => {
    const r = h.apply(command);
    return r.ok ? Promise.resolve(r.response) : Promise.reject(r.error);
  };
  const ctx = {
    log,
    memberId: 1n,
    mvcc: h.store,
    header: (revision: number) => ({ cluster_id: '1', member_id: '1', revision, raft_term: 1 }),
    propose,
    quota: new BackendQuota({
      quotaBytes,
      memberId: 1n,
      readSizeBytes: () => Promise.resolve(sizeBytes),
      alarms: () => h.store.alarms(),
      propose,
      log,
    }),
  } as unknown as ApiContext;
  return { ctx, h };
}

type Handler = (call: { request: object }, cb: (err: unknown, res: unknown) => void) => void;

function call(handler: unknown, request: object): Promise<unknown> {
  return new Promise((resolve, reject) =>
    (handler as Handler)({ request }, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

const noSpace = {
  code: grpcStatus.RESOURCE_EXHAUSTED,
  details: 'etcdserver: mvcc: database space exceeded',
};

const putRequest = (key: string, value: string) => ({
  key: Buffer.from(key),
  value: Buffer.from(value),
  lease: '0',
  prev_kv: false,
  ignore_value: false,
  ignore_lease: false,
});

const rangeRequest = (key: string) => ({
  key: Buffer.from(key),
  range_end: Buffer.alloc(0),
  limit: '0',
  revision: '0',
  sort_order: 0,
  sort_target: 0,
  serializable: false,
  keys_only: false,
  count_only: false,
  min_mod_revision: '0',
  max_mod_revision: '0',
  min_create_revision: '0',
  max_create_revision: '0',
});

describe('the quota in front of KV writes', () => {
  it('a put that fits is applied', async () => {
    const { ctx, h } = await context(1000, 2000);
    await call(put(ctx), putRequest('a', 'b'));
    assert.equal(h.range('a').kvs.length, 1);
  });

  it('a put that does not fit is refused, raising this member’s NOSPACE alarm', async () => {
    const { ctx, h } = await context(1000, 1257);
    await assert.rejects(call(put(ctx), putRequest('a', '')), noSpace);
    assert.deepEqual(h.store.alarms(), [{ memberId: 1n, alarm: 'nospace' }]);
    assert.equal(h.range('a').kvs.length, 0);
  });

  it('a full database answers NoSpace before validation (an empty key)', async () => {
    const { ctx } = await context(5000, 1000);
    await assert.rejects(call(put(ctx), putRequest('', 'v')), noSpace);
  });

  it('a txn with a put in either branch is refused; reads and deletes pass', async () => {
    const { ctx } = await context(5000, 1000);
    const base = { compare: [], success: [], failure: [] };
    const readOnly = {
      ...base,
      success: [{ request_range: rangeRequest('a'), request: 'request_range' }],
    };
    const res = (await call(txn(ctx), readOnly)) as { succeeded: boolean };
    assert.equal(res.succeeded, true);
    const withPut = {
      ...base,
      failure: [{ request_put: putRequest('a', 'b'), request: 'request_put' }],
    };
    await assert.rejects(call(txn(ctx), withPut), noSpace);
  });
});
