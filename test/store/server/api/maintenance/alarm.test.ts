// Maintenance.Alarm answers as etcd 3.4.23 does (each case below was run
// against the etcd binary), and Status lists the active alarms in etcd's
// text form after "no leader".

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { Command } from '../../../../../store/mvcc/index.js';
import type { ApiContext } from '../../../../../store/server/api/context.js';
import { alarm } from '../../../../../store/server/api/maintenance/alarm.js';
import { alarmMemberText } from '../../../../../store/server/api/maintenance/alarm-text.js';
import { status } from '../../../../../store/server/api/maintenance/status.js';
import { createLogger } from '../../../../../store/server/logger.js';
import { Harness } from '../../../mvcc/helpers.js';

const self = 10276657743932975437n; // above 2^63: printed unsigned

async function context(lead = self) {
  const h = await Harness.memory();
  const proposed: Command[] = [];
  const ctx = {
    log: createLogger('silent', {}),
    memberId: self,
    mvcc: h.store,
    node: { raft: { lead, term: 2, isLearner: false, raftLog: { committed: 3 } } },
    header: (revision: number) => ({
      cluster_id: '1',
      member_id: String(self),
      revision,
      raft_term: 2,
    }),
    dbSizeBytes: () => Promise.resolve(4096),
    propose: (command: Command) => {
      proposed.push(command);
      const r = h.apply(command);
      return r.ok ? Promise.resolve(r.response) : Promise.reject(r.error);
    },
  } as unknown as ApiContext;
  return { ctx, h, proposed };
}

type Handler = (call: { request: object }, cb: (err: unknown, res: unknown) => void) => void;

function call(handler: unknown, request: object): Promise<unknown> {
  return new Promise((resolve, reject) =>
    (handler as Handler)({ request }, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

const GET = 0;
const ACTIVATE = 1;
const DEACTIVATE = 2;
const [NONE, NOSPACE, CORRUPT] = [0, 1, 2];

function send(ctx: ApiContext, action: number, memberID = '0', type = NONE) {
  return call(alarm(ctx), { action, memberID, alarm: type });
}

describe('Maintenance.Alarm', () => {
  it('every action goes through Raft', async () => {
    const { ctx, proposed } = await context();
    await send(ctx, GET);
    await send(ctx, ACTIVATE, String(self), NOSPACE);
    await send(ctx, DEACTIVATE, String(self), NOSPACE);
    assert.deepEqual(proposed, [
      { alarm: { action: 'get' } },
      { alarm: { action: 'activate', memberId: self, alarm: 'nospace' } },
      { alarm: { action: 'deactivate', memberId: self, alarm: 'nospace' } },
    ]);
  });

  it('ACTIVATE answers the alarm, also when it was already active; no header', async () => {
    const { ctx } = await context();
    const want = { alarms: [{ memberID: String(self), alarm: NOSPACE }] };
    assert.deepEqual(await send(ctx, ACTIVATE, String(self), NOSPACE), want);
    assert.deepEqual(await send(ctx, ACTIVATE, String(self), NOSPACE), want);
  });

  it('ACTIVATE takes any member id and a NONE type, as etcd does', async () => {
    const { ctx, h } = await context();
    assert.deepEqual(await send(ctx, ACTIVATE, '12345', NONE), {
      alarms: [{ memberID: '12345', alarm: NONE }],
    });
    assert.deepEqual(await send(ctx, ACTIVATE, '0', CORRUPT), {
      alarms: [{ memberID: '0', alarm: CORRUPT }],
    });
    assert.equal(h.store.alarms().length, 2);
  });

  it('GET lists the alarms of one type, or all of them for NONE', async () => {
    const { ctx } = await context();
    await send(ctx, ACTIVATE, String(self), NOSPACE);
    await send(ctx, ACTIVATE, '5', CORRUPT);
    await send(ctx, ACTIVATE, '12345', NONE);
    assert.deepEqual(await send(ctx, GET, '0', NOSPACE), {
      alarms: [{ memberID: String(self), alarm: NOSPACE }],
    });
    assert.deepEqual(await send(ctx, GET, '0', CORRUPT), {
      alarms: [{ memberID: '5', alarm: CORRUPT }],
    });
    const all = (await send(ctx, GET)) as { alarms: unknown[] };
    assert.equal(all.alarms.length, 3);
  });

  it('DEACTIVATE answers the alarm it removed, or nothing', async () => {
    const { ctx, h } = await context();
    await send(ctx, ACTIVATE, String(self), NOSPACE);
    assert.deepEqual(await send(ctx, DEACTIVATE, String(self), CORRUPT), { alarms: [] });
    assert.deepEqual(await send(ctx, DEACTIVATE, String(self), NOSPACE), {
      alarms: [{ memberID: String(self), alarm: NOSPACE }],
    });
    assert.deepEqual(await send(ctx, DEACTIVATE, String(self), NOSPACE), { alarms: [] });
    assert.deepEqual(h.store.alarms(), []);
  });

  it('refuses an action or type etcd does not define (etcd 3.4 crashes on the action)', async () => {
    const { ctx, proposed } = await context();
    await assert.rejects(send(ctx, 3), (e: { code: number; details: string }) => {
      assert.equal(e.code, grpcStatus.INVALID_ARGUMENT);
      assert.equal(e.details, 'capstan: unknown alarm action 3');
      return true;
    });
    await assert.rejects(send(ctx, GET, '0', 9), { code: grpcStatus.INVALID_ARGUMENT });
    assert.deepEqual(proposed, []);
  });
});

describe('alarm text (etcd’s AlarmMember.String())', () => {
  it('names every non-zero field, each followed by a space', () => {
    assert.equal(alarmMemberText(self, NOSPACE), `memberID:${self} alarm:NOSPACE `);
    assert.equal(alarmMemberText('12345', NONE), 'memberID:12345 ');
    assert.equal(alarmMemberText(0n, CORRUPT), 'alarm:CORRUPT ');
    assert.equal(alarmMemberText('0', NONE), '');
    assert.equal(alarmMemberText(1n, 7), 'memberID:1 alarm:7 ');
  });
});

describe('Maintenance.Status errors', () => {
  it('lists every active alarm as etcd prints it', async () => {
    const { ctx } = await context();
    await send(ctx, ACTIVATE, String(self), NOSPACE);
    await send(ctx, ACTIVATE, '0', CORRUPT);
    const res = (await call(status(ctx), {})) as { errors: string[] };
    assert.deepEqual(res.errors, ['alarm:CORRUPT ', `memberID:${self} alarm:NOSPACE `]);
  });

  it('says "no leader" first when this member knows none', async () => {
    const { ctx } = await context(0n);
    await send(ctx, ACTIVATE, String(self), NOSPACE);
    const res = (await call(status(ctx), {})) as { errors: string[] };
    assert.deepEqual(res.errors, ['etcdserver: no leader', `memberID:${self} alarm:NOSPACE `]);
  });

  it('has no errors on a healthy member', async () => {
    const { ctx } = await context();
    const res = (await call(status(ctx), {})) as { errors: string[] };
    assert.deepEqual(res.errors, []);
  });
});
