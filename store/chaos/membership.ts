// Membership changes of a fault run, done as etcd's runbook does them:
// remove a member (it stops itself), wipe its data, add it back (as a
// learner, or as a voter when replacing a failed member), start it with
// --initial-cluster-state existing, promote a learner once it caught up.
//
// Every step is idempotent and driven by the member list as it is now, not
// by what the previous step believed: a request whose outcome is unknown
// (the leader changed under it) is simply looked at again.

import { LearnerNotReadyError, type Client, type Member } from '../client/index.js';
import type { LocalChaosCluster } from './cluster.js';

/** Time a removed member gets to stop itself before it is killed. */
const removedStopMs = 10_000;
const retryPauseMs = 200;

async function pause(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** The member with `peerUrl` in the cluster's configuration now, if any. */
export async function findMember(client: Client, peerUrl: string): Promise<Member | undefined> {
  const { members } = await client.memberList({ timeoutMs: 2000 });
  return members.find((m) => m.peerURLs.includes(peerUrl));
}

/** Retries `step` until it returns true or the deadline passes; the last error explains a timeout. */
async function until(
  what: string,
  deadlineMs: number,
  step: () => Promise<boolean>,
): Promise<void> {
  let last: unknown;
  while (Date.now() < deadlineMs) {
    try {
      if (await step()) return;
    } catch (e) {
      last = e;
    }
    await pause(retryPauseMs);
  }
  throw new Error(
    `${what} did not finish in time${last ? `: ${last instanceof Error ? last.message : String(last)}` : ''}`,
  );
}

/** Removes `name` from the configuration and waits for its process to end. */
export async function removeMember(
  c: LocalChaosCluster,
  name: string,
  timeoutMs: number,
): Promise<void> {
  const client = c.clientExcept([name]);
  try {
    c.expectExit(name);
    await until(`removing ${name}`, Date.now() + timeoutMs, async () => {
      const m = await findMember(client, c.peerUrl(name));
      if (!m) return true;
      await client.memberRemove(m.id, { timeoutMs: 3000 });
      return false;
    });
    c.markRemoved(name);
    if (!(await c.waitForExit(name, removedStopMs))) await c.kill(name);
  } finally {
    client.close();
  }
}

/** Wipes `name`, adds it back (learner or voter) and starts it as a joining member. */
export async function addMemberBack(
  c: LocalChaosCluster,
  name: string,
  o: { learner: boolean; timeoutMs: number },
): Promise<void> {
  await c.kill(name);
  await c.wipe(name);
  const client = c.clientExcept([name]);
  try {
    await until(`adding ${name} back`, Date.now() + o.timeoutMs, async () => {
      if (await findMember(client, c.peerUrl(name))) return true;
      await client.memberAdd([c.peerUrl(name)], { learner: o.learner, timeoutMs: 3000 });
      return false;
    });
  } finally {
    client.close();
  }
  c.launch(name);
}

/** Promotes `name` once it has caught up (etcd refuses before: LearnerNotReady). */
export async function promoteMember(
  c: LocalChaosCluster,
  name: string,
  timeoutMs: number,
): Promise<void> {
  const client = c.clientExcept([name]);
  try {
    await until(`promoting ${name}`, Date.now() + timeoutMs, async () => {
      const m = await findMember(client, c.peerUrl(name));
      if (!m) throw new Error(`${name} is not a member`);
      if (!m.isLearner) return true;
      try {
        await client.memberPromote(m.id, { timeoutMs: 3000 });
      } catch (e) {
        if (!(e instanceof LearnerNotReadyError)) throw e;
      }
      return false;
    });
  } finally {
    client.close();
  }
}

/**
 * Makes the configuration whole again: every member the run started is a
 * voter and running. Level-triggered: it looks at the member list and does
 * whatever is missing, whatever fault left it so.
 */
export async function restoreMembership(c: LocalChaosCluster, timeoutMs: number): Promise<void> {
  const client = c.clientExcept([]);
  let list: Member[];
  try {
    list = (await client.memberList({ timeoutMs })).members;
  } finally {
    client.close();
  }
  for (const name of c.names()) {
    const m = list.find((x) => x.peerURLs.includes(c.peerUrl(name)));
    if (!m) {
      await addMemberBack(c, name, { learner: true, timeoutMs });
      await promoteMember(c, name, timeoutMs);
    } else if (m.isLearner) {
      if (c.stateOf(name) === 'stopped') c.launch(name);
      await promoteMember(c, name, timeoutMs);
    }
  }
}
