// A put may attach only a lease the lessor holds: etcd's applier answers
// "requested lease not found" otherwise (a Put checks the lease before the
// key; a Txn checks each put on the path it takes, key first). capstan
// grants no leases yet, so a store opened without a lease lookup knows none.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBackend, MvccStore, type LeaseLookup } from '../../../store/mvcc/index.js';
import { b, Harness } from './helpers.js';

const only = (...ids: bigint[]): LeaseLookup => ({ has: (id) => ids.includes(id) });

async function storeWith(leases?: LeaseLookup): Promise<Harness> {
  const backend = new MemoryBackend();
  return new Harness(await MvccStore.open(backend, leases ? { leases } : {}), backend);
}

describe('leases the lessor does not hold', () => {
  it('by default no lease exists: a put with one fails and makes no revision; lease 0 is no lease', async () => {
    const h = await storeWith();
    assert.equal(h.fails({ put: { key: b('a'), value: b('v'), lease: 1234n } }), 'LeaseNotFound');
    assert.equal(h.store.currentRevision(), 1);
    h.put('a', 'v', { lease: 0n });
    assert.equal(h.store.currentRevision(), 2);
  });

  it('a put may attach a lease the lookup holds, and no other', async () => {
    const h = await storeWith(only(7n));
    h.put('a', 'v', { lease: 7n });
    assert.deepEqual(h.all(), ['a=v@2/2/1/L7']);
    assert.equal(h.fails({ put: { key: b('a'), value: b('w'), lease: 8n } }), 'LeaseNotFound');
  });

  it('a Put asks about the lease before the key (etcd: lessor lookup, then ignore_value)', async () => {
    const h = await storeWith();
    const put = { key: b('missing'), value: new Uint8Array(0), ignoreValue: true, lease: 5n };
    assert.equal(h.fails({ put }), 'LeaseNotFound');
  });

  it('a Txn checks the puts of the branch it takes, key before lease, and nothing else', async () => {
    const h = await storeWith();
    const leased = { put: { key: b('t'), value: b('v'), lease: 5n } };
    const fresh = { put: { key: b('u'), value: b('v') } };
    // The untaken branch may name any lease.
    const ok = h.txn({ compare: [], success: [fresh], failure: [leased] });
    assert.equal(ok.succeeded, true);
    assert.equal(h.fails({ txn: { success: [fresh, leased] } }), 'LeaseNotFound');
    assert.equal(h.store.currentRevision(), 2, 'the failed txn changed nothing');
    const both = {
      put: { key: b('missing'), value: new Uint8Array(0), ignoreValue: true, lease: 5n },
    };
    assert.equal(h.fails({ txn: { success: [both] } }), 'KeyNotFound');
    assert.equal(h.fails({ txn: { success: [{ txn: { success: [leased] } }] } }), 'LeaseNotFound');
  });

  it('ignoreLease keeps the lease the key has', async () => {
    const h = await storeWith(only(7n));
    h.put('a', 'v', { lease: 7n });
    h.ok({ put: { key: b('a'), value: b('w'), ignoreLease: true } });
    assert.deepEqual(h.all(), ['a=w@2/3/2/L7']);
  });
});
