// The space quota as etcd's backendQuota and quotaAlarmer: what a request
// costs, when it fits, and that a refusal raises this member's NOSPACE
// alarm once — not once per refused request.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { isEtcdError } from '../../../store/errors.js';
import type {
  AlarmMember,
  Command,
  CommandResponse,
  TxnRequest,
} from '../../../store/mvcc/index.js';
import { createLogger } from '../../../store/server/logger.js';
import {
  BackendQuota,
  checkQuota,
  leaseGrantCostBytes,
  putCost,
  putOverheadBytes,
  txnCost,
} from '../../../store/server/quota.js';

const bytes = (n: number) => new Uint8Array(n);
const put = (k: number, v: number) => ({ put: { key: bytes(k), value: bytes(v) } });
const range = { range: { key: bytes(1) } };
const del = { deleteRange: { key: bytes(1) } };

describe('request costs (etcd quota.go)', () => {
  it('a put costs its key, its value and 256 bytes of metadata', () => {
    assert.equal(putOverheadBytes, 256);
    assert.equal(putCost({ key: bytes(3), value: bytes(10) }), 269);
    assert.equal(putCost({ key: bytes(0), value: bytes(0) }), 256);
  });

  it('a lease grant costs 64 bytes', () => {
    assert.equal(leaseGrantCostBytes, 64);
  });

  it('a txn costs its larger branch, counting top-level puts only', () => {
    const t: TxnRequest = {
      success: [put(1, 1), range, put(2, 2)],
      failure: [put(10, 100), del],
    };
    assert.equal(txnCost(t), Math.max(258 + 260, 366));
    assert.equal(
      txnCost({ success: [range], failure: [del] }),
      0,
      'reads and deletes cost nothing',
    );
    assert.equal(txnCost({}), 0);
    assert.equal(
      txnCost({ success: [{ txn: { success: [put(5, 5)] } }] }),
      0,
      'a put in a nested txn is not counted, as in etcd',
    );
  });
});

interface Fake {
  quota: BackendQuota;
  proposed: Command[];
  alarms: AlarmMember[];
  size: { bytes: number };
  /** Makes proposals wait until released. */
  hold(): () => void;
  failProposals: boolean;
}

function fake(quotaBytes: number, sizeBytes: number): Fake {
  const f: Fake = {
    proposed: [],
    alarms: [],
    size: { bytes: sizeBytes },
    failProposals: false,
    hold: () => () => undefined,
    quota: undefined as unknown as BackendQuota,
  };
  let gate: Promise<void> = Promise.resolve();
  f.hold = () => {
    let release!: () => void;
    gate = new Promise((r) => (release = r));
    return release;
  };
  f.quota = new BackendQuota({
    quotaBytes,
    memberId: 7n,
    readSizeBytes: () => Promise.resolve(f.size.bytes),
    alarms: () => f.alarms,
    propose: async (command): Promise<CommandResponse> => {
      f.proposed.push(command);
      await gate;
      if (f.failProposals) throw new Error('no leader');
      f.alarms.push({ memberId: 7n, alarm: 'nospace' });
      return { alarm: { revision: 1, alarms: [{ memberId: 7n, alarm: 'nospace' }] } };
    },
    log: createLogger('silent', {}),
  });
  return f;
}

const noSpace = (err: unknown) => isEtcdError(err, 'NoSpace');

describe('BackendQuota', () => {
  it('passes while size + cost < quota, as etcd (equal is refused)', async () => {
    const f = fake(1000, 700);
    assert.equal(await f.quota.available(299), true);
    assert.equal(await f.quota.available(300), false);
    await checkQuota(f, 299);
    await assert.rejects(checkQuota(f, 300), noSpace);
  });

  it('a request that costs nothing passes even over the quota', async () => {
    const f = fake(1000, 5000);
    await checkQuota(f, 0);
    assert.deepEqual(f.proposed, []);
  });

  it('the refusal raises this member’s NOSPACE alarm through Raft before answering', async () => {
    const f = fake(1000, 2000);
    await assert.rejects(checkQuota(f, 300), noSpace);
    assert.deepEqual(f.proposed, [
      { alarm: { action: 'activate', memberId: 7n, alarm: 'nospace' } },
    ]);
    assert.deepEqual(f.alarms, [{ memberId: 7n, alarm: 'nospace' }]);
  });

  it('many refusals at once raise the alarm once, and none once it is active', async () => {
    const f = fake(1000, 2000);
    const release = f.hold();
    const refused = Array.from({ length: 20 }, () => checkQuota(f, 300));
    await new Promise((r) => setImmediate(r));
    assert.equal(f.proposed.length, 1, 'one proposal in flight');
    release();
    for (const r of refused) await assert.rejects(r, noSpace);
    for (let i = 0; i < 20; i++) await assert.rejects(checkQuota(f, 300), noSpace);
    assert.equal(f.proposed.length, 1, 'the active alarm is not raised again');
  });

  it('raises it again once it was disarmed and the database is still full', async () => {
    const f = fake(1000, 2000);
    await assert.rejects(checkQuota(f, 300), noSpace);
    f.alarms.length = 0;
    await assert.rejects(checkQuota(f, 300), noSpace);
    assert.equal(f.proposed.length, 2);
  });

  it('another member’s NOSPACE alarm does not stand for this one’s', async () => {
    const f = fake(1000, 2000);
    f.alarms.push({ memberId: 8n, alarm: 'nospace' }, { memberId: 7n, alarm: 'corrupt' });
    await assert.rejects(checkQuota(f, 300), noSpace);
    assert.equal(f.proposed.length, 1);
  });

  it('answers NoSpace even when the alarm could not be proposed', async () => {
    const f = fake(1000, 2000);
    f.failProposals = true;
    await assert.rejects(checkQuota(f, 300), noSpace);
    f.failProposals = false;
    await assert.rejects(checkQuota(f, 300), noSpace);
    assert.equal(f.proposed.length, 2, 'tried again on the next refusal');
  });

  it('warns about a quota above 8 GiB, as etcd does, and keeps it', () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const q = new BackendQuota({
      quotaBytes: 9 * 1024 ** 3,
      memberId: 1n,
      readSizeBytes: () => Promise.resolve(0),
      alarms: () => [],
      propose: () => Promise.reject(new Error('unused')),
      log,
    });
    assert.equal(q.quotaBytes, 9 * 1024 ** 3);
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { msg: string }).msg),
      ['quota exceeds the maximum value'],
    );
  });
});
