// Every member converges: after healing and recovery, every member reports
// the same HashKV at one common revision (etcd's corruption check compares
// members the same way). A member that did not answer, or answered at
// another revision, has not converged either.

import type { CheckVerdict } from '../types.js';

export interface MemberHash {
  /** The member's name (or endpoint). */
  name: string;
  /** HashKV's hash; undefined with `error` when the member did not answer. */
  hash: number | undefined;
  /** The revision the hash covers (HashKV's header revision). */
  revision: number | undefined;
  error?: string;
}

export function checkConvergence(members: readonly MemberHash[]): CheckVerdict {
  const stats = { members: members.length };
  const fail = (explanation: string): CheckVerdict => ({
    check: 'convergence',
    ok: false,
    explanation,
    stats,
  });
  if (members.length === 0) return fail('no member hash was collected');
  const silent = members.filter((m) => m.hash === undefined || m.revision === undefined);
  if (silent.length > 0) {
    const who = silent.map((m) => `${m.name} (${m.error ?? 'no answer'})`).join(', ');
    return fail(`not every member answered HashKV: ${who}`);
  }
  const revisions = new Set(members.map((m) => m.revision));
  if (revisions.size > 1) {
    const at = members.map((m) => `${m.name} at ${m.revision}`).join(', ');
    return fail(`members did not reach one common revision: ${at}`);
  }
  const groups = new Map<number, string[]>();
  for (const m of members) {
    const names = groups.get(m.hash!) ?? [];
    names.push(m.name);
    groups.set(m.hash!, names);
  }
  if (groups.size > 1) {
    const split = [...groups].map(([hash, names]) => `${names.join(' ')}: ${hash}`).join(' | ');
    return fail(`members diverged at revision ${members[0]!.revision}: HashKV ${split}`);
  }
  return { check: 'convergence', ok: true, stats: { ...stats, revision: members[0]!.revision! } };
}
