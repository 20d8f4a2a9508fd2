// Response headers as etcd 3.4 sends them: the Cluster service's carry no
// revision (ClusterServer.header()); Alarm, Defragment and MoveLeader
// answers carry no header at all (etcd returns the bare response).
import assert from 'node:assert/strict';
import test from 'node:test';
import type { ApiContext } from '../../../../store/server/api/context.js';
import { memberList } from '../../../../store/server/api/cluster/member-list.js';
import { alarm } from '../../../../store/server/api/maintenance/alarm.js';
import { defragment } from '../../../../store/server/api/maintenance/defragment.js';
import { moveLeader } from '../../../../store/server/api/maintenance/move-leader.js';
import { createLogger } from '../../../../store/server/logger.js';

const ctx = {
  log: createLogger('silent', {}),
  memberId: 7n,
  isLeader: () => true,
  header: (revision: number) => ({ cluster_id: '9', member_id: '7', revision, raft_term: 3 }),
  propose: () => Promise.resolve({ alarm: { revision: 42, alarms: [] } }),
  quota: { size: { refresh: () => Promise.resolve(0) } },
  mvcc: {
    defragment: () => Promise.resolve(),
    currentRevision: () => 42,
    members: () => [
      { id: 7n, name: 'm1', peerUrls: ['http://p'], clientUrls: ['http://c'], isLearner: false },
    ],
  },
} as unknown as ApiContext;

type Handler = (call: { request: object }, cb: (err: unknown, res: unknown) => void) => void;

function call(handler: unknown, request: object): Promise<unknown> {
  return new Promise((resolve, reject) =>
    (handler as Handler)({ request }, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

test('MemberList: cluster id, member id and term, no revision', async () => {
  const res = (await call(memberList(ctx), {})) as { header: object };
  assert.deepEqual(res.header, { cluster_id: '9', member_id: '7', raft_term: 3 });
});

test('Alarm, Defragment and MoveLeader: no header', async () => {
  assert.deepEqual(await call(alarm(ctx), { action: 0, memberID: '0', alarm: 0 }), {
    alarms: [],
  });
  assert.deepEqual(await call(defragment(ctx), {}), {});
  assert.deepEqual(await call(moveLeader(ctx), { targetID: '7' }), {});
});
