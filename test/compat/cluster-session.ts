// The session of a fresh three-member cluster (m1 leads when it starts):
// commands on followers, a learner m4 that joins, catches up, is promoted
// (through a follower too, which must forward to the leader) and removed,
// move-leader to a follower and on a non-leader endpoint, and the
// --cluster variants of the endpoint commands.

import { ctlWith, grpcStep, type Session, type Step } from './session.js';
import { txnInput } from './single-member-session.js';

const text = (s: string): Buffer => Buffer.from(s);

/** The three original members. */
export const clusterNames = ['m1', 'm2', 'm3'] as const;

/** Before the session: everyone published, ids known, m1 leading. */
export async function prepareCluster(s: Session): Promise<void> {
  await s.waitPublished(clusterNames, clusterNames);
  await s.learnIds();
  await s.makeLeader('m1', clusterNames);
}

async function startLearner(s: Session): Promise<void> {
  s.target.join('m4');
  await s.waitPublished([...clusterNames, 'm4'], clusterNames);
  await s.waitCaughtUp('m4', 'm1');
}

function membershipSteps(): Step[] {
  return [
    ctlWith(
      {
        at: 'm3',
        // etcd refuses membership changes ("unhealthy cluster") until every
        // peer has been connected for 5 s; a refused add changes nothing.
        retryMs: 10_000,
        before: (s) => s.target.addSlot('m4'),
        after: (s, out) => s.learnAddedId('m4', out.stdout),
      },
      'member',
      'add',
      'm4',
      '--learner',
      (s) => `--peer-urls=${s.target.peerUrl('m4')}`,
    ),
    // Not started: not ready, whether asked of a follower (etcd forwards to the leader) or the leader.
    ctlWith({ at: 'm3' }, 'member', 'promote', (s) => s.hexId('m4')),
    ctlWith({ at: 'm1' }, 'member', 'promote', (s) => s.hexId('m4')),
    ctlWith({ at: 'm2', rows: 'by-id', before: startLearner }, 'member', 'list', '-w', 'table'),
    ctlWith({ at: 'm4' }, 'endpoint', 'status', '-w', 'json'),
    ctlWith({ at: 'm4' }, 'put', 'learner-put', 'v'),
    ctlWith({ at: 'm4' }, 'get', 'cluster/', '--prefix', '--consistency', 's'),
    grpcStep('linearizable Range on the learner', (_s, c) => c.range({ key: text('cluster/a') }), {
      at: 'm4',
    }),
    grpcStep('MemberList on the learner', (_s, c) => c.memberList({}), { at: 'm4' }),
    ctlWith({ at: 'm2', retryMs: 10_000 }, 'member', 'promote', (s) => s.hexId('m4')),
    ctlWith({ at: 'm1', rows: 'by-id' }, 'member', 'list', '-w', 'json'),
    ctlWith({ at: 'm4', before: (s) => s.waitVoter('m4') }, 'endpoint', 'status'),
    ctlWith({ at: 'm4' }, 'get', 'cluster/', '--prefix'),
    ctlWith({ at: ['m1', 'm2', 'm3', 'm4'] }, 'endpoint', 'status', '-w', 'table'),
    ctlWith({ at: 'm1', rows: 'by-id' }, 'endpoint', 'status', '--cluster', '-w', 'table'),
    ctlWith(
      {
        at: 'm1',
        // The removed member stops itself; make sure it is gone.
        after: (s) => s.target.kill('m4'),
      },
      'member',
      'remove',
      (s) => s.hexId('m4'),
    ),
    ctlWith({ at: 'm1', rows: 'by-id' }, 'member', 'list'),
  ];
}

function moveLeaderSteps(): Step[] {
  return [
    ctlWith(
      { at: 'm1', after: (s) => s.waitLeader(clusterNames).then(() => undefined) },
      'move-leader',
      (s) => s.hexId('m2'),
    ),
    ctlWith({ at: 'm1' }, 'move-leader', (s) => s.hexId('m3')),
    grpcStep(
      'MoveLeader asked of a follower',
      (s, c) => c.moveLeader({ targetID: s.ids.get('m3')!.toString() }),
      { at: 'm1' },
    ),
    ctlWith({ at: 'm2' }, 'move-leader', '1234'),
    ctlWith({ at: 'm2' }, 'move-leader', (s) => s.hexId('m2')),
    ctlWith({ at: all }, 'endpoint', 'status'),
    ctlWith({ at: all }, 'endpoint', 'status', '-w', 'json'),
    ctlWith({ at: 'm3', rows: 'by-id' }, 'endpoint', 'status', '--cluster'),
  ];
}

const all = clusterNames;

export function clusterSession(): Step[] {
  return [
    ctlWith({ rows: 'by-id' }, 'member', 'list', '-w', 'table'),
    ctlWith({ at: all }, 'endpoint', 'status', '-w', 'table'),
    ctlWith({ at: all, rows: 'any' }, 'endpoint', 'health'),
    ctlWith(
      { at: all, before: (s) => s.waitSameRevision(all) },
      'endpoint',
      'hashkv',
      '-w',
      'table',
    ),
    ctlWith({ rows: 'by-id' }, 'endpoint', 'status', '--cluster', '-w', 'table'),
    ctlWith({ rows: 'any' }, 'endpoint', 'health', '--cluster'),
    ctlWith({ rows: 'any' }, 'endpoint', 'hashkv', '--cluster', '-w', 'table'),
    ctlWith({ at: 'm2' }, 'put', 'cluster/a', 'from-m2'),
    ctlWith({ at: 'm3' }, 'get', 'cluster/a', '-w', 'json'),
    ctlWith({ at: 'm3' }, 'get', 'cluster/a', '--consistency', 's'),
    ctlWith(
      { at: 'm3', stdin: txnInput(['value("cluster/a") = "from-m2"'], ['put cluster/b b'], []) },
      'txn',
      '-w',
      'json',
    ),
    ctlWith({ at: 'm2' }, 'del', 'cluster/a', '--prev-kv'),
    ctlWith({ at: 'm3' }, 'compaction', '3'),
    ctlWith({ at: 'm2' }, 'get', 'cluster/a', '--rev', '2'),
    ctlWith({ at: 'm2' }, 'alarm', 'list'),
    ctlWith({ at: 'm3' }, 'defrag'),
    ...membershipSteps(),
    ...moveLeaderSteps(),
    ctlWith({ at: all, before: (s) => s.waitSameRevision(all) }, 'endpoint', 'hashkv'),
    ctlWith(
      { at: all, rows: 'any', note: (s) => s.runningNote() },
      'endpoint',
      'health',
      '-w',
      'table',
    ),
    ctlWith({ at: 'm1', rows: 'any' }, 'endpoint', 'hashkv', '--cluster'),
  ];
}
