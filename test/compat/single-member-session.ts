// The session a fresh single-member cluster goes through: every KV command
// with its options and output formats, compaction, membership with a
// learner that never starts, endpoint, alarm, defrag, move-leader and
// snapshot commands, and bad input. Both servers start at revision 1, so
// revisions in the outputs must agree exactly.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SortOrder } from '../../store/server/grpc/wire-types.js';
import { rawUnary } from './raw-grpc.js';
import { ctl, ctlWith, grpcStep, type Session, type Step } from './session.js';

const text = (s: string): Buffer => Buffer.from(s);

/** etcdctl txn's interactive input: compares, success ops, failure ops, each ended by a blank line. */
export function txnInput(compares: string[], success: string[], failure: string[]): string {
  return [...compares, '', ...success, '', ...failure, '', ''].join('\n');
}

/** Remembers the current revision under `name` (a before-hook). */
function rememberRevision(name: string) {
  return async (s: Session): Promise<void> => {
    const st = await s.client('m1').status({});
    s.vars.set(name, Number(st.header?.revision ?? 0));
  };
}

/** A revision relative to one remembered earlier. */
function rev(name: string, delta: number) {
  return (s: Session): string => String((s.vars.get(name) ?? NaN) + delta);
}

/** Records whether the snapshot file exists and has content (compared like output). */
async function snapshotFileNote(s: Session): Promise<string> {
  try {
    const st = await stat(join(s.target.dir, 'snap.db'));
    return st.size > 0 ? 'snapshot file: non-empty' : 'snapshot file: empty';
  } catch {
    return 'snapshot file: missing';
  }
}

const sortTargets = ['KEY', 'VERSION', 'CREATE', 'MODIFY', 'VALUE'];

function putSteps(): Step[] {
  return [
    ctl('put', 'foo', 'bar'),
    ctl('put', 'foo', 'bar2', '--prev-kv'),
    ctl('put', 'foo', 'bar3', '--prev-kv', '-w', 'json'),
    ctl('put', 'foo', 'bar4', '-w', 'fields'),
    ctl('put', 'foo', '--ignore-value', '--prev-kv'),
    ctl('put', 'foo', 'v', '--ignore-value'),
    ctl('put', 'foo', 'v5', '--ignore-lease', '-w', 'json'),
    ctl('put', 'lease-zero', 'v', '--lease=0'),
    ctl('put', 'lease-unknown', 'v', '--lease=1234'),
    ctl('put', 'lease-bad', 'v', '--lease=zz'),
    ctl('put', 'missing', '--ignore-value'),
    ctl('put', 'missing', 'v', '--ignore-lease'),
    ctl('put', '', 'v'),
    ctlWith({ stdin: 'from standard input' }, 'put', 'stdin-key'),
    ctl('get', 'stdin-key'),
    ...['a', 'b', 'c', 'd', 'e'].map((k) => ctl('put', `k/${k}`, `v-${k}`)),
    ctl('put', 'k/b', 'zz-b2'),
    ctl('put', 'k/d', 'a-d2'),
    ctl('put', 'k/d', 'b-d3'),
    ctl('put', 'l', 'after-the-prefix'),
  ];
}

/**
 * Revisions after putSteps (both servers start at 1): foo 2–7, lease-zero 8, stdin-key 9,
 * k/a 10, k/b 11 and 15, k/c 12, k/d 13, 16 and 17, k/e 14, l 18 — the
 * fixed revisions below (--rev, min/max revisions) refer to these.
 */
function getSteps(): Step[] {
  return [
    ctl('get', 'foo'),
    ctl('get', 'foo', '-w', 'json'),
    ctl('get', 'foo', '-w', 'fields'),
    ctl('get', 'foo', '-w', 'table'),
    ctl('get', 'foo', '--hex'),
    ctl('get', 'nothing'),
    ctl('get', 'nothing', '-w', 'json'),
    ctl('get', 'k/', '--prefix'),
    ctl('get', 'k/', '--prefix', '--keys-only'),
    ctl('get', 'k/', '--prefix', '--print-value-only'),
    ctl('get', 'k/', '--prefix', '--limit', '2', '-w', 'json'),
    ctl('get', 'k/', '--prefix', '--limit', '2', '-w', 'fields'),
    ctl('get', 'k/', '--prefix', '--limit', '-1'),
    ctl('get', 'k/c', '--from-key'),
    ctl('get', 'k/c', '--from-key', '--limit', '2', '--keys-only'),
    ctl('get', '--from-key', '', '--keys-only'),
    ctl('get', 'k/b', 'k/d'),
    ctl('get', 'k/b', 'k/d', '-w', 'json'),
    ctl('get', 'k/d', 'k/b'),
    ...sortTargets.flatMap((t) => [
      ctl('get', 'k/', '--prefix', '--sort-by', t),
      ctl('get', 'k/', '--prefix', '--sort-by', t, '--order', 'DESCEND', '-w', 'json'),
    ]),
    ctl('get', 'k/', '--prefix', '--order', 'DESCEND'),
    ctl('get', 'k/', '--prefix', '--order', 'ASCEND', '--limit', '3'),
    ctl('get', 'k/', '--prefix', '--sort-by', 'MODIFY', '--order', 'DESCEND', '--limit', '2'),
    ctl('get', 'k/', '--prefix', '--rev', '12'),
    ctl('get', 'k/b', '--rev', '17', '-w', 'json'),
    ctl('get', 'foo', '--consistency', 's', '-w', 'json'),
    ctl('get', 'k/', '--prefix', '--consistency', 'l', '--keys-only'),
    ctl('get', 'foo', '--consistency', 'x'),
    ctl('get', 'foo', '--sort-by', 'BOGUS'),
    ctl('get', 'foo', '--order', 'UP'),
    ctl('get', ''),
    ctl('get', 'foo', '--rev', '999999'),
    ctl('get', 'foo', '--rev', '9007199254740993'),
    ctl('get', 'foo', '--rev', '9223372036854775807'),
    ctl('get', 'foo', '--rev', '-1'),
    ctl('get', 'foo', '--rev', 'abc'),
    // etcdctl 3.4 has no flags for these Range fields (3.5 added some); sent directly.
    grpcStep('Range k/ count_only', (_s, c) =>
      c.range({ key: text('k/'), range_end: text('k0'), count_only: true }),
    ),
    grpcStep('Range k/ min_mod_revision 15', (_s, c) =>
      c.range({ key: text('k/'), range_end: text('k0'), min_mod_revision: 15, keys_only: true }),
    ),
    grpcStep('Range k/ max_mod_revision 16', (_s, c) =>
      c.range({ key: text('k/'), range_end: text('k0'), max_mod_revision: 16, keys_only: true }),
    ),
    grpcStep('Range k/ min_create_revision 14 limit 1', (_s, c) =>
      c.range({ key: text('k/'), range_end: text('k0'), min_create_revision: 14, limit: 1 }),
    ),
    grpcStep('Range k/ max_create_revision 13, sorted by version descending', (_s, c) =>
      c.range({
        key: text('k/'),
        range_end: text('k0'),
        max_create_revision: 13,
        sort_target: 1,
        sort_order: 2,
      }),
    ),
    grpcStep('Range k/ with a sort order etcd does not define (7)', (_s, c) =>
      c.range({
        key: text('k/'),
        range_end: text('k0'),
        sort_order: 7 as (typeof SortOrder)[keyof typeof SortOrder],
        keys_only: true,
      }),
    ),
    grpcStep('Range foo at revision int64 max', (_s, c) =>
      c.range({ key: text('foo'), revision: '9223372036854775807' }),
    ),
  ];
}

/** d/a–d/d are revisions 19–22, z/a and z/b 23 and 24. */
function delSteps(): Step[] {
  return [
    ...['a', 'b', 'c', 'd'].map((k) => ctl('put', `d/${k}`, `dv-${k}`)),
    ctl('put', 'z/a', 'za'),
    ctl('put', 'z/b', 'zb'),
    ctl('del', 'd/a', '--prev-kv'),
    ctl('del', 'd/a'),
    ctl('del', 'd/b', 'd/d', '-w', 'json'),
    ctl('del', 'd/', '--prefix', '--prev-kv', '-w', 'json'),
    ctl('del', 'z/a', '--from-key', '--prev-kv'),
    ctl('del', 'nothing', '-w', 'fields'),
    ctl('del', ''),
    ctl('get', 'd/', '--prefix', '--rev', '24', '-w', 'json'),
  ];
}

function txnSteps(): Step[] {
  const manyPuts = (n: number): string[] => Array.from({ length: n }, (_, i) => `put op/${i} v`);
  return [
    ctlWith(
      {
        stdin: txnInput(
          [
            'value("foo") = "v5"',
            'version("k/b") = "2"',
            'create("k/a") > "0"',
            'mod("k/d") < "1000"',
          ],
          ['put t/1 yes', 'get k/ --prefix --limit 2', 'del k/e --prev-kv'],
          ['put t/1 no'],
        ),
      },
      'txn',
      '-w',
      'json',
    ),
    ctlWith(
      {
        stdin: txnInput(
          ['value("foo") != "v5"'],
          ['put t/2 yes'],
          ['put t/2 no', 'get t/ --prefix', 'del t/1'],
        ),
      },
      'txn',
    ),
    ctlWith(
      { stdin: txnInput(['version("never") = "0"'], ['put t/3 new'], []) },
      'txn',
      '-w',
      'fields',
    ),
    ctlWith(
      { stdin: txnInput(['mod("foo") < "2"'], [], ['get foo']) },
      'txn',
      '--interactive=false',
    ),
    ctlWith({ stdin: txnInput([], ['put t/4 x'], []) }, 'txn', '-w', 'table'),
    ctlWith({ stdin: txnInput(['bogus("x") = "1"'], [], []) }, 'txn'),
    ctlWith({ stdin: txnInput([], ['put "" empty'], []) }, 'txn'),
    ctlWith({ stdin: txnInput([], ['put t/5 x --lease=1234'], []) }, 'txn'),
    ctlWith({ stdin: txnInput([], ['put missing --ignore-value'], []) }, 'txn'),
    ctlWith({ stdin: txnInput([], ['get foo --rev 999999'], []) }, 'txn'),
    ctlWith({ stdin: txnInput([], manyPuts(129), []) }, 'txn'),
    ctlWith({ stdin: txnInput([], [], manyPuts(129)) }, 'txn'),
    ctlWith({ stdin: txnInput([], manyPuts(128), []) }, 'txn'),
    ctlWith({ stdin: txnInput([], ['put dup 1', 'put dup 2'], []) }, 'txn'),
    ctlWith({ stdin: txnInput([], ['put dup 1', 'del dup'], []) }, 'txn'),
    ctlWith({ stdin: txnInput([], ['del dup/ --prefix', 'put dup/x 1'], []) }, 'txn'),
    ctlWith({ stdin: txnInput([], ['put dup 1'], ['put dup 2']) }, 'txn', '-w', 'json'),
    ctlWith({ stdin: txnInput([], ['get dup', 'get dup'], []) }, 'txn'),
    grpcStep('Txn with an operation that holds no request', (_s, c) => c.txn({ success: [{}] })),
    grpcStep('Txn with a compare on an empty key', (_s, c) =>
      c.txn({ compare: [{ key: text(''), target: 0, result: 0, version: 0 }] }),
    ),
  ];
}

function compactionSteps(): Step[] {
  return [
    ctlWith({ before: rememberRevision('c0') }, 'put', 'c/k', 'v1'),
    ctl('put', 'c/k', 'v2'),
    ctl('put', 'c/k', 'v3'),
    ctl('compaction', rev('c0', 2)),
    ctl('get', 'c/k', '--rev', rev('c0', 1)),
    ctl('get', 'c/k', '--rev', rev('c0', 2), '-w', 'json'),
    ctl('compaction', rev('c0', 1)),
    ctl('compaction', rev('c0', 2)),
    ctl('compaction', '999999'),
    ctl('compaction', '0'),
    ctl('compaction', '--', '-1'),
    ctl('compaction', rev('c0', 3), '--physical'),
    ctl('get', 'c/k', '--rev', rev('c0', 3)),
    ctl('get', 'c/k', '--rev', rev('c0', 2)),
    ctl('endpoint', 'hashkv', '--rev', rev('c0', 2)),
    ctl('endpoint', 'hashkv', '--rev', rev('c0', 3), '-w', 'json'),
    ctl('endpoint', 'hashkv', '--rev', '999999'),
    ctlWith({ stdin: (s) => txnInput([], [`get c/k --rev ${rev('c0', 1)(s)}`], []) }, 'txn'),
    grpcStep('Compact at revision 2^53 + 1', (_s, c) =>
      c.compact({ revision: '9007199254740993' }),
    ),
  ];
}

function memberSteps(): Step[] {
  return [
    ctlWith({ rows: 'by-id' }, 'member', 'list'),
    ctlWith({ rows: 'by-id' }, 'member', 'list', '-w', 'table'),
    ctlWith({ rows: 'by-id' }, 'member', 'list', '-w', 'json'),
    ctlWith({ rows: 'by-id' }, 'member', 'list', '-w', 'fields'),
    ctlWith(
      {
        before: async (s) => {
          await s.target.addSlot('m2');
          await s.target.addSlot('m3');
        },
        after: (s, out) => s.learnAddedId('m2', out.stdout),
      },
      'member',
      'add',
      'm2',
      '--learner',
      (s) => `--peer-urls=${s.target.peerUrl('m2')}`,
    ),
    ctlWith({ rows: 'by-id' }, 'member', 'list', '-w', 'table'),
    ctlWith({ rows: 'by-id' }, 'member', 'list', '-w', 'json'),
    ctl('member', 'add', 'm3', '--learner', (s) => `--peer-urls=${s.target.peerUrl('m3')}`),
    ctl('member', 'add', 'dup', (s) => `--peer-urls=${s.target.peerUrl('m1')}`),
    ctl('member', 'add', 'bad', '--peer-urls=notaurl'),
    ctl('member', 'add', 'nourls'),
    ctl('member', 'promote', (s) => s.hexId('m2')),
    ctl('member', 'promote', (s) => s.hexId('m1')),
    ctl('member', 'promote', '1234'),
    ctl('member', 'update', '1234', '--peer-urls=http://127.0.0.1:1'),
    // (etcd 3.4.23 turns a learner it updates into a voter in its member
    // table — not raft's; capstan keeps the learner a learner: not compared.)
    ctl(
      'member',
      'update',
      (s) => s.hexId('m1'),
      (s) => `--peer-urls=${s.target.peerUrl('m1')}`,
    ),
    ctl(
      'member',
      'update',
      (s) => s.hexId('m2'),
      (s) => `--peer-urls=${s.target.peerUrl('m1')}`,
    ),
    ctlWith({ rows: 'by-id' }, 'member', 'list'),
    ctl('member', 'remove', (s) => s.hexId('m2')),
    ctl('member', 'remove', (s) => s.hexId('m2')),
    ctl('member', 'remove', '1234'),
    ctl('member', 'remove', 'zz'),
    ctlWith({ rows: 'by-id' }, 'member', 'list', '-w', 'json'),
    grpcStep('MemberList', (_s, c) => c.memberList({})),
  ];
}

function maintenanceSteps(): Step[] {
  return [
    ctl('endpoint', 'status'),
    ctl('endpoint', 'status', '-w', 'table'),
    ctl('endpoint', 'status', '-w', 'json'),
    ctl('endpoint', 'status', '-w', 'fields'),
    ctl('endpoint', 'health'),
    ctl('endpoint', 'health', '-w', 'json'),
    ctl('endpoint', 'health', '-w', 'table'),
    ctl('endpoint', 'hashkv'),
    ctl('endpoint', 'hashkv', '-w', 'table'),
    ctl('endpoint', 'hashkv', '-w', 'json'),
    ctl('endpoint', 'hashkv', '-w', 'fields'),
    ctl('alarm', 'list'),
    ctl('alarm', 'list', '-w', 'json'),
    ctl('alarm', 'disarm'),
    ctl('alarm', 'disarm', '-w', 'json'),
    grpcStep('Alarm GET', (s) => s.maintenance('m1', 'Alarm', { action: 0 })),
    ctl('defrag'),
    ctl('defrag', '-w', 'json'),
    grpcStep('Defragment', (s) => s.maintenance('m1', 'Defragment', {})),
    ctl('move-leader', (s) => s.hexId('m1')),
    ctl('move-leader', '1234'),
    ctl('move-leader', 'zz'),
    grpcStep('MoveLeader to itself', (s, c) =>
      c.moveLeader({ targetID: s.ids.get('m1')!.toString() }),
    ),
    ctlWith({ note: snapshotFileNote }, 'snapshot', 'save', (s) => join(s.target.dir, 'snap.db')),
    ctl('snapshot', 'save', (s) => join(s.target.dir, 'no-such-dir', 'snap.db')),
  ];
}

/** Values around --max-request-bytes, sent on stdin (too large for an argument). */
function requestSizeSteps(maxRequestBytes: number): Step[] {
  const value = (n: number) => () => 'x'.repeat(n);
  return [
    ctlWith({ stdin: value(maxRequestBytes - 1024) }, 'put', 'size/fits'),
    ctl('get', 'size/fits', '--keys-only'),
    ctlWith({ stdin: value(maxRequestBytes + 1) }, 'put', 'size/too-large'),
    ctlWith({ stdin: value(maxRequestBytes + 600 * 1024) }, 'put', 'size/over-grpc-limit'),
    grpcStep('raw Range: a truncated message', (s) =>
      rawUnary(s.endpoint('m1'), '/etcdserverpb.KV/Range', new Uint8Array([0x0a, 0x05, 0x61])),
    ),
    grpcStep('raw Put: a truncated varint', (s) =>
      rawUnary(s.endpoint('m1'), '/etcdserverpb.KV/Put', new Uint8Array([0xff, 0xff, 0xff])),
    ),
    ctl('get', 'size/', '--prefix', '--keys-only'),
    ctl('get', '', '--prefix', '--keys-only', '--limit', '1000'),
    ctlWith({ note: (s) => s.runningNote() }, 'endpoint', 'health', '-w', 'json'),
  ];
}

export function singleMemberSession(o: { maxRequestBytes: number }): Step[] {
  return [
    ...putSteps(),
    ...getSteps(),
    ...delSteps(),
    ...txnSteps(),
    ...compactionSteps(),
    ...memberSteps(),
    ...maintenanceSteps(),
    ...requestSizeSteps(o.maxRequestBytes),
  ];
}
