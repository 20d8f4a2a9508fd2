// The lease session: etcdctl's lease commands on a three-member cluster
// whose leader is m1, so that every command sent to m2 or m3 exercises the
// forwarding of renewals and TimeToLive to the leader. Lease ids are random
// on both servers: each one is learned from the grant's output and then
// named (lease1, …) like member ids (normalize.ts replaces them). Remaining
// TTLs depend on timing: normalize.ts hides the number, and a note records
// whether it is within a second or two of the TTL granted.

import { setTimeout as delay } from 'node:timers/promises';
import type { RunResult } from '../store/server/grpc/etcdctl.js';
import { clusterNames, prepareCluster } from './cluster-session.js';
import { ctlWith, type Session, type Step } from './session.js';

export { clusterNames as leaseClusterNames, prepareCluster as prepareLeaseCluster };

/** Learns a lease id from `lease grant` (simple: hex; json: decimal "ID"). */
function learnLease(name: string) {
  return (s: Session, out: RunResult): void => {
    const hex = /^lease ([0-9a-f]+) granted with TTL/m.exec(out.stdout);
    const dec = /"ID":(\d+)/.exec(out.stdout);
    if (hex) s.ids.set(name, BigInt(`0x${hex[1]}`));
    else if (dec) s.ids.set(name, BigInt(dec[1]!));
  };
}

const id =
  (name: string) =>
  (s: Session): string =>
    s.hexId(name);

/** Whether timetolive's remaining TTL is within 2 s below the TTL granted (the number itself is hidden). */
function remainingNote(_s: Session, out: RunResult): string {
  const m = /granted with TTL\((\d+)s\), remaining\((-?\d+)s\)/.exec(out.stdout);
  if (!m) return 'no remaining TTL printed';
  const granted = Number(m[1]);
  const left = Number(m[2]);
  return `remaining within 2 s of the TTL: ${left <= granted && left >= granted - 2}`;
}

/** Waits until the lease is gone (expired and revoked by the leader). */
async function waitExpired(s: Session, name: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const out = await s.ctl('m1', ['lease', 'timetolive', s.hexId(name)]);
    if (out.stdout.includes('already expired')) return;
    await delay(100);
  }
  throw new Error(`lease ${name} did not expire`);
}

export function leaseSession(): Step[] {
  return [
    ctlWith({ at: 'm1', after: learnLease('lease1') }, 'lease', 'grant', '60'),
    // Through a follower; a TTL below the minimum gets the minimum.
    ctlWith({ at: 'm2', after: learnLease('short') }, 'lease', 'grant', '0'),
    ctlWith({ at: 'm3', after: learnLease('lease2') }, '-w', 'json', 'lease', 'grant', '120'),
    ctlWith({ at: 'm2' }, 'lease', 'grant', '9000000001'),
    ctlWith({ at: 'm2' }, 'put', '--lease', id('lease1'), 'foo', 'bar'),
    ctlWith({ at: 'm1' }, 'put', '--lease', id('lease2'), 'baz', 'qux'),
    ctlWith({ at: 'm1' }, 'get', '', '--prefix', '-w', 'json'),
    ctlWith({ at: 'm1', note: remainingNote }, 'lease', 'timetolive', id('lease1')),
    ctlWith({ at: 'm2', note: remainingNote }, 'lease', 'timetolive', id('lease1')),
    ctlWith({ at: 'm3', note: remainingNote }, 'lease', 'timetolive', '--keys', id('lease2')),
    ctlWith({ at: 'm3' }, 'lease', 'keep-alive', '--once', id('lease1')),
    ctlWith({ at: 'm1' }, '-w', 'json', 'lease', 'keep-alive', '--once', id('lease2')),
    ctlWith(
      { at: 'm2', before: (s) => waitExpired(s, 'short') },
      'lease',
      'timetolive',
      id('short'),
    ),
    ctlWith({ at: 'm3' }, 'lease', 'keep-alive', '--once', id('short')),
    ctlWith({ at: 'm1', rows: 'any' }, 'lease', 'list'),
    ctlWith({ at: 'm3', rows: 'any' }, 'lease', 'list'),
    ctlWith({ at: 'm2' }, 'lease', 'revoke', id('lease1')),
    ctlWith({ at: 'm3' }, 'get', 'foo'),
    ctlWith({ at: 'm1' }, 'lease', 'timetolive', '--keys', id('lease1')),
    ctlWith({ at: 'm2' }, 'lease', 'keep-alive', '--once', id('lease1')),
    ctlWith({ at: 'm3' }, 'lease', 'revoke', id('lease1')),
    ctlWith({ at: 'm1' }, 'put', '--lease', id('lease1'), 'late', 'v'),
    ctlWith({ at: 'm1' }, '-w', 'json', 'lease', 'revoke', id('lease2')),
    ctlWith({ at: 'm2' }, 'get', 'baz'),
    ctlWith({ at: 'm1' }, 'lease', 'list'),
  ];
}
