// The checks every run ends with, whatever the workload (docs/chaos.md):
// revisions never go backwards for a client, no acknowledged write is lost
// (when the workload does not judge that itself), every member converges to
// the same HashKV at one common revision, and no member died on its own.

import { Client } from '../client/index.js';
import {
  checkConvergence,
  checkMonotonicRevisions,
  checkRegisterLostWrites,
  type MemberHash,
} from './checks/index.js';
import type { ChaosCluster, LocalChaosCluster } from './cluster.js';
import type { CheckVerdict, HistoryRecord, WorkloadKind } from './types.js';

const hashRetryMs = 250;
const hashCallTimeoutMs = 2_000;

/**
 * HashKV of every member at one revision every member has applied. Waits
 * (until `deadlineMs`) for every member to answer and to stop moving; the
 * last attempt's answers are what the convergence check judges.
 */
export async function collectHashes(
  cluster: ChaosCluster,
  members: readonly string[],
  deadlineMs: number,
): Promise<MemberHash[]> {
  const clients = new Map(
    members.map((n) => [n, new Client({ endpoints: [cluster.endpoint(n)] })]),
  );
  try {
    for (;;) {
      const last = await hashesOnce(clients);
      const complete = last.every((m) => m.hash !== undefined);
      const agree = new Set(last.map((m) => m.hash)).size === 1;
      if ((complete && agree) || Date.now() >= deadlineMs) return last;
      await new Promise((r) => setTimeout(r, hashRetryMs));
    }
  } finally {
    for (const c of clients.values()) c.close();
  }
}

async function hashesOnce(clients: ReadonlyMap<string, Client>): Promise<MemberHash[]> {
  // The common revision: the lowest current revision any member reports.
  const heads = await Promise.all(
    [...clients].map(async ([name, c]) => {
      try {
        const s = await c.status({ endpoint: c.endpoints[0]!, timeoutMs: hashCallTimeoutMs });
        return { name, revision: Number(s.header.revision) };
      } catch (e) {
        return { name, error: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
  const revs = heads.flatMap((h) => (h.revision === undefined ? [] : [h.revision]));
  if (revs.length === 0) {
    return heads.map((h) => ({
      name: h.name,
      hash: undefined,
      revision: undefined,
      error: h.error,
    }));
  }
  const at = Math.min(...revs);
  return Promise.all(
    [...clients].map(async ([name, c]): Promise<MemberHash> => {
      try {
        const h = await c.hashKV(at, { endpoint: c.endpoints[0]!, timeoutMs: hashCallTimeoutMs });
        return { name, hash: h.hash, revision: at };
      } catch (e) {
        return {
          name,
          hash: undefined,
          revision: undefined,
          error: e instanceof Error ? e.message : String(e),
        };
      }
    }),
  );
}

/** No member of a local cluster exited without being asked to (a crash point's exit is asked for). */
export function checkMembersStayedUp(cluster: LocalChaosCluster): CheckVerdict {
  const exits = cluster.unexpectedExits;
  const stats = { unexpectedExits: exits.length, crashPointExits: cluster.crashPointExits.length };
  if (exits.length === 0) return { check: 'members-stayed-up', ok: true, stats };
  const first = exits[0]!;
  return {
    check: 'members-stayed-up',
    ok: false,
    explanation:
      `${first.name} exited on its own at ${(first.atMs / 1000).toFixed(1)} s ` +
      `(code ${first.code ?? '-'}, signal ${first.signal ?? '-'}); ${exits.length} such exits in all — ` +
      `its log is ${cluster.dir}/${first.name}.log`,
    stats,
  };
}

/** The history-only checks the workload did not already give a verdict for. */
export function missingHistoryChecks(
  kind: WorkloadKind,
  history: readonly HistoryRecord[],
  given: readonly CheckVerdict[],
): CheckVerdict[] {
  const has = (check: string): boolean => given.some((v) => v.check === check);
  const out: CheckVerdict[] = [];
  if (!has('monotonic-revisions')) out.push(checkMonotonicRevisions(history));
  if ((kind === 'register' || kind === 'mixed') && !has('lost-writes')) {
    out.push(checkRegisterLostWrites(history));
  }
  return out;
}

export { checkConvergence };
