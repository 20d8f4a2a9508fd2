// The session of a single member with a tiny --quota-backend-bytes, run by
// etcdctl 3.4 against real etcd and capstan: filling the database until
// NOSPACE, the alarm in `alarm list` and `endpoint status`, what is still
// allowed, compaction + `defrag` + `alarm disarm`, a CORRUPT alarm, and the
// odd Alarm requests etcd accepts (a NONE alarm, any member id).
//
// The two databases fill at different speeds (bolt and level store
// differently), so the filling runs in a hook that is not compared, and
// only what does not depend on how many puts fitted is printed by the
// compared steps.

import { isEtcdError } from '../../store/errors.js';
import { txnInput } from './single-member-session.js';
import { ctl, ctlWith, grpcStep, type Session, type Step } from './session.js';

/** Small enough to fill in a second, larger than an empty database of either server. */
export const alarmQuotaBytes = 128 * 1024;
const fillValueBytes = 4096;
const [ACTIVATE, DEACTIVATE] = [1, 2];
const [NONE, NOSPACE, CORRUPT] = [0, 1, 2];

/** Puts fill/0, fill/1, … until the quota refuses one (not compared: the count differs). */
async function fillUntilNoSpace(s: Session): Promise<void> {
  const value = Buffer.alloc(fillValueBytes, 0x66);
  const most = (4 * alarmQuotaBytes) / fillValueBytes;
  for (let i = 0; i < most; i++) {
    try {
      await s.client('m1').put({ key: Buffer.from(`fill/${i}`), value });
    } catch (e) {
      if (!isEtcdError(e, 'NoSpace')) throw e;
      s.vars.set('filled', i);
      return;
    }
  }
  throw new Error(`the quota of ${alarmQuotaBytes} bytes refused none of ${most} puts`);
}

async function dbSizeNote(s: Session): Promise<string> {
  const st = await s.client('m1').status({});
  return Number(st.dbSize) < alarmQuotaBytes / 2
    ? 'db size: well below the quota'
    : `db size: NOT below half the quota (${st.dbSize})`;
}

const m1 = (s: Session): string => s.ids.get('m1')!.toString();

export function alarmSession(): Step[] {
  return [
    ctl('alarm', 'list'),
    ctl('endpoint', 'status'),
    ctlWith(
      {
        before: fillUntilNoSpace,
        note: (s) => `filled: ${(s.vars.get('filled') ?? 0) > 0 ? 'some puts fitted' : 'none'}`,
      },
      'put',
      'foo',
      'bar',
    ),
    ctl('alarm', 'list'),
    ctl('alarm', 'list', '-w', 'json'),
    ctl('endpoint', 'status'),
    // (-w json would show the revision, which depends on how many puts fitted.)
    grpcStep('Status errors', async (_s, c) => (await c.status({})).errors),
    ctl('endpoint', 'status', '-w', 'table'),
    // Refused now by the alarm as well as by the size.
    ctl('put', 'foo', 'bar'),
    ctlWith({ stdin: txnInput([], ['put foo bar'], []) }, 'txn'),
    // Reads, read-only txns and deletes go on.
    ctl('get', 'fill/0', '--keys-only'),
    ctlWith({ stdin: txnInput([], ['get fill/0 --keys-only'], []) }, 'txn'),
    ctl('del', 'fill/0'),
    grpcStep('DeleteRange fill/ and Compact (physical) at the current revision', async (_s, c) => {
      await c.deleteRange({ key: Buffer.from('fill/'), range_end: Buffer.from('fill0') });
      const st = await c.status({});
      await c.compact({ revision: st.header!.revision, physical: true });
      return 'deleted and compacted';
    }),
    ctlWith({ note: dbSizeNote }, 'defrag'),
    // Space is back, but the alarm stays until disarmed.
    ctl('put', 'foo', 'bar'),
    ctl('alarm', 'disarm'),
    ctl('alarm', 'list'),
    ctl('alarm', 'disarm'),
    ctl('put', 'foo', 'bar'),
    ctl('endpoint', 'status'),

    // CORRUPT: every write refused, reads served.
    grpcStep('Alarm ACTIVATE CORRUPT for m1', (s) =>
      s.maintenance('m1', 'Alarm', { action: ACTIVATE, memberID: m1(s), alarm: CORRUPT }),
    ),
    ctl('put', 'foo', 'baz'),
    ctl('del', 'foo'),
    ctl('compaction', '2'),
    ctl('get', 'foo'),
    ctl('get', 'foo', '--consistency=s'),
    ctlWith({ stdin: txnInput([], ['get foo'], []) }, 'txn'),
    ctl('endpoint', 'status'),
    ctl('alarm', 'list'),
    ctl('alarm', 'disarm'),
    ctl('put', 'foo', 'baz'),

    // What etcd accepts: activating twice, a NONE alarm, any member id.
    grpcStep('Alarm ACTIVATE NOSPACE for m1', (s) =>
      s.maintenance('m1', 'Alarm', { action: ACTIVATE, memberID: m1(s), alarm: NOSPACE }),
    ),
    grpcStep('Alarm ACTIVATE NOSPACE for m1 again', (s) =>
      s.maintenance('m1', 'Alarm', { action: ACTIVATE, memberID: m1(s), alarm: NOSPACE }),
    ),
    grpcStep('Alarm ACTIVATE NONE for member 12345', (s) =>
      s.maintenance('m1', 'Alarm', { action: ACTIVATE, memberID: '12345', alarm: NONE }),
    ),
    grpcStep('Alarm GET CORRUPT (none active)', (s) =>
      s.maintenance('m1', 'Alarm', { action: 0, alarm: CORRUPT }),
    ),
    grpcStep('Alarm GET NOSPACE', (s) =>
      s.maintenance('m1', 'Alarm', { action: 0, alarm: NOSPACE }),
    ),
    // etcd lists alarms in no order (a Go map): compare the lines as a set.
    ctlWith({ rows: 'any' }, 'alarm', 'list'),
    grpcStep('Alarm DEACTIVATE CORRUPT for m1 (not active)', (s) =>
      s.maintenance('m1', 'Alarm', { action: DEACTIVATE, memberID: m1(s), alarm: CORRUPT }),
    ),
    ctlWith({ rows: 'any' }, 'alarm', 'disarm'),
    ctl('alarm', 'list'),
    ctl('put', 'foo', 'done'),
  ];
}
