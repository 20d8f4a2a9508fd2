// What each nemesis does to a local cluster, and how it is undone
// (docs/chaos.md has the table). apply() returns what it touched and a
// heal() that undoes exactly that; the nemesis heals everything else again
// at the end, so a heal that fails half-way is not the end of the run.

import { Client } from '../client/index.js';
import type { SeededRandom } from '../raft/index.js';
import { crashPointNames, type CrashPointName } from '../server/crash-points.js';
import type { LocalChaosCluster } from './cluster.js';
import { addMemberBack, promoteMember, removeMember } from './membership.js';
import type { Link } from './network.js';
import type { NemesisKind } from './types.js';

export interface FaultContext {
  cluster: LocalChaosCluster;
  rng: SeededRandom;
  faultDurationMs: number;
  electionTimeoutMs: number;
  /** The members' --snapshot-count. */
  snapshotCount: number;
  /** Aborted when the load phase ends: a fault still waiting for something stops waiting. */
  signal: AbortSignal;
  /** The leader now, if the members agree on one. */
  leader(): Promise<string | undefined>;
}

export interface AppliedFault {
  targets: string[];
  detail: string;
  /** Undoes the fault; may return a better detail (what actually happened). */
  heal(): Promise<string | void>;
}

type Apply = (ctx: FaultContext) => Promise<AppliedFault>;

/** How long a crash-point fault waits for its member to start and reach the point. */
const crashWaitMs = 20_000;
const crashPollMs = 250;

/** How long a membership step may take before the nemesis gives up on it (healAll finishes it). */
const membershipStepMs = 20_000;

async function leaderOrRandom(ctx: FaultContext): Promise<{ name: string; note: string }> {
  const leader = await ctx.leader();
  if (leader !== undefined && ctx.cluster.running().includes(leader))
    return { name: leader, note: '' };
  const name = ctx.rng.pick(runningOrAll(ctx));
  return { name, note: ' (no leader known: a random member instead)' };
}

function runningOrAll(ctx: FaultContext): string[] {
  const running = ctx.cluster.running();
  return running.length > 0 ? running : ctx.cluster.members();
}

function shuffled<T>(items: readonly T[], rng: SeededRandom): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

async function kill(ctx: FaultContext, names: string[], why = ''): Promise<AppliedFault> {
  await Promise.all(names.map((n) => ctx.cluster.kill(n)));
  return {
    targets: names,
    detail: `kill -9 ${names.join(' ')}${why}`,
    heal: async () => {
      for (const n of names) if (ctx.cluster.stateOf(n) === 'stopped') ctx.cluster.launch(n);
    },
  };
}

function pause(ctx: FaultContext, name: string, why = ''): AppliedFault {
  ctx.cluster.pause(name);
  return {
    targets: [name],
    detail: `SIGSTOP ${name}${why}`,
    heal: async () => ctx.cluster.resume(name),
  };
}

/** Blocks every link from one side to the other, both ways. */
function between(a: readonly string[], b: readonly string[]): Link[] {
  return a.flatMap((x) => b.flatMap((y) => [[x, y] as const, [y, x] as const]));
}

async function block(
  ctx: FaultContext,
  links: Link[],
  targets: string[],
  detail: string,
): Promise<AppliedFault> {
  const net = ctx.cluster.network;
  await net.block(links);
  return { targets, detail, heal: () => net.heal() };
}

/**
 * A ring of overlapping majorities (Jepsen's majorities-ring): members in a
 * shuffled ring, each hears only itself and the next ⌊n/2⌋ members — every
 * member sees a majority, no two see the same one.
 */
export function ringLinks(ring: readonly string[]): {
  blocked: Link[];
  hears: Map<string, string[]>;
} {
  const n = ring.length;
  const k = Math.floor(n / 2);
  const hears = new Map<string, string[]>();
  const blocked: Link[] = [];
  ring.forEach((to, i) => {
    const majority = Array.from({ length: k }, (_, d) => ring[(i + 1 + d) % n]!);
    hears.set(to, majority);
    for (const from of ring) if (from !== to && !majority.includes(from)) blocked.push([from, to]);
  });
  return { blocked, hears };
}

/** A client of the running members, for the few requests a nemesis makes itself. */
function clientOfRunning(ctx: FaultContext): Client | undefined {
  const endpoints = ctx.cluster.running().map((n) => ctx.cluster.endpoint(n));
  return endpoints.length === 0 ? undefined : new Client({ endpoints, requestTimeoutMs: 3000 });
}

/** Compacts up to a little behind the head (for the compaction crash point); true once done. */
async function compactSoon(ctx: FaultContext): Promise<boolean> {
  const client = clientOfRunning(ctx);
  if (!client) return false;
  try {
    const s = await client.status();
    const target = s.header.revision - 100n;
    if (target > 1n) await client.compact(target);
    return true;
  } catch {
    return false; // no leader right now, or already compacted that far: try again
  } finally {
    client.close();
  }
}

/** Whether `name` answers Status (its process is up and serving). */
async function answers(ctx: FaultContext, name: string): Promise<boolean> {
  const views = await ctx.cluster.views(crashPollMs);
  return views.some((v) => v.name === name && v.status !== undefined);
}

/** Waits until the cluster's revision moved `count` past where it is now (or `timeoutMs`). */
async function writesAdvance(ctx: FaultContext, count: number, timeoutMs: number): Promise<void> {
  const client = clientOfRunning(ctx);
  if (!client) return;
  const deadline = Date.now() + timeoutMs;
  try {
    let from: bigint | undefined;
    while (Date.now() < deadline && !ctx.signal.aborted) {
      try {
        const rev = (await client.status()).header.revision;
        from ??= rev;
        if (rev - from >= BigInt(count)) return;
      } catch {
        // no answer now: keep waiting
      }
      await new Promise((r) => setTimeout(r, crashPollMs));
    }
  } finally {
    client.close();
  }
}

const applies: Record<NemesisKind, Apply> = {
  'kill-leader': async (ctx) => {
    const { name, note } = await leaderOrRandom(ctx);
    return kill(ctx, [name], note);
  },
  'kill-random': (ctx) => kill(ctx, [ctx.rng.pick(runningOrAll(ctx))]),
  'kill-majority': (ctx) => {
    const members = ctx.cluster.members();
    const count = Math.floor(members.length / 2) + 1;
    return kill(ctx, shuffled(members, ctx.rng).slice(0, count).sort());
  },
  'pause-leader': async (ctx) => {
    const { name, note } = await leaderOrRandom(ctx);
    return pause(ctx, name, note);
  },
  'pause-random': async (ctx) => pause(ctx, ctx.rng.pick(runningOrAll(ctx))),
  'partition-leader': async (ctx) => {
    const { name, note } = await leaderOrRandom(ctx);
    const rest = ctx.cluster.members().filter((n) => n !== name);
    return block(ctx, between([name], rest), [name], `${name} | ${rest.join(' ')}${note}`);
  },
  'partition-half': (ctx) => {
    const members = shuffled(ctx.cluster.members(), ctx.rng);
    const minority = members.slice(0, Math.floor(members.length / 2)).sort();
    const majority = members.slice(minority.length).sort();
    return block(
      ctx,
      between(minority, majority),
      minority,
      `${minority.join(' ')} | ${majority.join(' ')}`,
    );
  },
  'partition-ring': (ctx) => {
    const ring = shuffled(ctx.cluster.members(), ctx.rng);
    const { blocked, hears } = ringLinks(ring);
    const detail = [...hears].map(([to, from]) => `${to} hears ${from.join(',')}`).join('; ');
    return block(ctx, blocked, ring, `ring: ${detail}`);
  },
  'one-way-loss': async (ctx) => {
    const { name } = ctx.rng.chance(0.5)
      ? await leaderOrRandom(ctx)
      : { name: ctx.rng.pick(ctx.cluster.members()) };
    const rest = ctx.cluster.members().filter((n) => n !== name);
    const out: Link[] = rest.map((to) => [name, to] as const);
    return block(ctx, out, [name], `${name} -/-> ${rest.join(' ')} (still hears them)`);
  },
  latency: async (ctx) => {
    const latencyMs = Math.round(ctx.electionTimeoutMs * (0.05 + 0.15 * ctx.rng.float()));
    const jitterMs = Math.round(latencyMs / 2);
    const net = ctx.cluster.network;
    await net.set(net.allLinks(), { latencyMs, jitterMs });
    return {
      targets: ctx.cluster.members(),
      detail: `latency ${latencyMs}+${jitterMs} ms on every link`,
      heal: () => net.heal(),
    };
  },
  'packet-loss': async (ctx) => {
    const lossRate = 0.05 + 0.15 * ctx.rng.float();
    const resetRate = 0.002;
    const net = ctx.cluster.network;
    await net.set(net.allLinks(), { lossRate, retransmitMs: 200, resetRate });
    return {
      targets: ctx.cluster.members(),
      detail: `loss ${(lossRate * 100).toFixed(0)}% (200 ms stalls), resets ${resetRate * 100}% per chunk`,
      heal: () => net.heal(),
    };
  },
  'crash-point': async (ctx) => {
    const c = ctx.cluster;
    const name = ctx.rng.pick(runningOrAll(ctx));
    const point: CrashPointName = ctx.rng.pick(crashPointNames);
    const frequent = ['before-persist', 'after-persist', 'before-apply', 'after-apply'];
    const hit = frequent.includes(point) ? ctx.rng.range(1, 5) : 1;
    await c.kill(name);
    // To install a snapshot, the member must fall behind the leader's
    // compacted log first: let the others write a snapshot's worth.
    if (point === 'snapshot-install') await writesAdvance(ctx, ctx.snapshotCount, crashWaitMs / 2);
    const crashesBefore = c.crashPointExits.length;
    c.launch(name, { crashPoint: `${point}:${hit}` });
    const crashed = (): boolean =>
      c.crashPointExits.slice(crashesBefore).some((x) => x.name === name);
    return {
      targets: [name],
      detail: `crash point ${point}:${hit} on ${name}`,
      heal: async () => {
        // A member takes seconds to start: hold the fault until it crashes
        // where it was told to (or give up), triggering a compaction once
        // it serves if that is the point.
        const deadline = Date.now() + crashWaitMs;
        let compacted = point !== 'compaction';
        // Points reached by writes stop waiting when the load ends; a
        // compaction needs no load.
        const needsLoad = point !== 'compaction';
        const waiting = (): boolean =>
          !crashed() &&
          Date.now() < deadline &&
          c.stateOf(name) === 'running' &&
          !(needsLoad && ctx.signal.aborted);
        while (waiting()) {
          if (!compacted && (await answers(ctx, name))) compacted = await compactSoon(ctx);
          await new Promise((r) => setTimeout(r, crashPollMs));
        }
        const reached = crashed();
        await c.kill(name);
        if (c.stateOf(name) === 'stopped') c.launch(name);
        return `crash point ${point}:${hit} on ${name} (${reached ? 'crashed there, restarted clean' : 'not reached; killed and restarted'})`;
      },
    };
  },
  membership: async (ctx) => {
    const c = ctx.cluster;
    const name = ctx.rng.pick(c.members());
    await removeMember(c, name, membershipStepMs);
    await addMemberBack(c, name, { learner: true, timeoutMs: membershipStepMs });
    return {
      targets: [name],
      detail: `remove ${name}, add it back as a learner, promote`,
      heal: () => promoteMember(c, name, membershipStepMs),
    };
  },
  'replace-member': async (ctx) => {
    const c = ctx.cluster;
    const name = ctx.rng.pick(c.members());
    await c.kill(name);
    await removeMember(c, name, membershipStepMs);
    await addMemberBack(c, name, { learner: false, timeoutMs: membershipStepMs });
    return {
      targets: [name],
      detail: `replace ${name}: kill -9, remove, wipe its data, add it back`,
      heal: async () => undefined,
    };
  },
};

export function applyFault(kind: NemesisKind, ctx: FaultContext): Promise<AppliedFault> {
  return applies[kind](ctx);
}
