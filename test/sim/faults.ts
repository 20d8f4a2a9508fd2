// The fault workload of the safety phase: crashes and restarts, symmetric
// and one-way partitions, membership changes and leadership transfers, at
// rates the seed chose.

import {
  ConfChangeType,
  confChange,
  MemoryStorage,
  ProposalDroppedError,
  type NodeId,
} from '../../store/raft/index.js';
import type { SimNode, Simulation } from './simulation.js';

const maxVoters = 5;

export class FaultPlanner {
  private stopped = false;

  constructor(private readonly sim: Simulation) {}

  start(): void {
    this.schedule();
    this.sim.onLeaderElected = (n) => this.churn(n);
    this.sim.crashInReady = (n, decisive) => {
      const p = this.sim.p;
      const chance = decisive ? p.crashDecisiveReadyChance : p.crashInReadyChance;
      if (!this.sim.rng.chance(chance)) return false;
      this.sim.at(this.ticks(2, 40), () => {
        if (!this.stopped) this.sim.restart(n);
      });
      return true;
    };
  }

  stop(): void {
    this.stopped = true;
    this.sim.onLeaderElected = undefined;
    this.sim.crashInReady = undefined;
  }

  /**
   * Short-lived leaders are where Raft's subtle rules matter (Figure 8: a
   * leader that dies right after replicating an entry of an earlier term),
   * so sometimes a new leader crashes or is cut off moments after winning.
   */
  private churn(n: SimNode): void {
    const rng = this.sim.rng;
    if (this.stopped || !rng.chance(this.sim.p.leaderChurnChance)) return;
    const inc = n.incarnation;
    const delay = rng.range(1, 3 * this.sim.p.tickUnits);
    const crash = rng.chance(0.5);
    this.sim.at(delay, () => {
      if (this.stopped || n.incarnation !== inc || !n.raw) return;
      if (crash) {
        this.sim.crash(n);
        this.sim.at(this.ticks(2, 40), () => {
          if (!this.stopped) this.sim.restart(n);
        });
      } else {
        this.isolate(n.id, this.ticks(2, 40));
      }
    });
  }

  private isolate(id: NodeId, forUnits: number): void {
    const links: string[] = [];
    for (const o of this.sim.nodes.keys()) if (o !== id) links.push(`${id}>${o}`, `${o}>${id}`);
    this.cut(links, forUnits);
  }

  private cut(links: string[], forUnits: number): void {
    this.sim.stats.partitions++;
    this.sim.note(`partition ${links.join(' ')}`);
    for (const l of links) this.sim.blocked.add(l);
    this.sim.at(forUnits, () => {
      for (const l of links) this.sim.blocked.delete(l);
    });
  }

  private schedule(): void {
    const every = this.sim.p.faultEveryUnits;
    this.sim.at(this.sim.rng.range(every / 2, every * 1.5), () => this.step());
  }

  private step(): void {
    if (this.stopped) return;
    const p = this.sim.p;
    const weights: [number, () => void][] = [
      [p.crashWeight, () => this.crashOne()],
      [p.partitionWeight, () => this.partition()],
      [p.membershipWeight, () => this.changeMembership()],
      [p.transferWeight, () => this.transfer()],
      [p.pauseWeight, () => this.pauseOne()],
    ];
    const total = weights.reduce((s, [w]) => s + w, 0);
    if (total > 0) {
      let roll = this.sim.rng.int(total);
      for (const [w, act] of weights) {
        if (roll < w) {
          act();
          break;
        }
        roll -= w;
      }
    }
    this.schedule();
  }

  private ticks(lo: number, hi: number): number {
    return this.sim.rng.range(lo, hi) * this.sim.p.tickUnits;
  }

  private crashOne(): void {
    const up = this.sim.upNodes();
    if (up.length === 0) return;
    const victim = this.sim.rng.pick(up);
    this.sim.crash(victim);
    this.sim.at(this.ticks(2, 60), () => {
      if (!this.stopped) this.sim.restart(victim);
    });
  }

  private partition(): void {
    const ids = [...this.sim.nodes.keys()];
    if (ids.length < 2) return;
    const rng = this.sim.rng;
    const links: string[] = [];
    const kind = rng.int(3);
    if (kind === 0) {
      // Symmetric split into two random sides.
      const side = new Set(ids.filter(() => rng.chance(0.5)));
      for (const a of ids)
        for (const b of ids) if (side.has(a) !== side.has(b)) links.push(`${a}>${b}`);
    } else if (kind === 1) {
      // Isolate one member (often the leader).
      const leader = this.sim.leader();
      const victim = leader && rng.chance(0.6) ? leader.id : rng.pick(ids);
      for (const o of ids) if (o !== victim) links.push(`${victim}>${o}`, `${o}>${victim}`);
    } else {
      // One-way: a member can send but not receive (or the reverse).
      const a = rng.pick(ids);
      for (const o of ids) if (o !== a) links.push(rng.chance(0.5) ? `${a}>${o}` : `${o}>${a}`);
    }
    this.cut(links, this.ticks(5, 80));
  }

  private pauseOne(): void {
    const up = this.sim.upNodes();
    if (up.length === 0) return;
    const leader = this.sim.leader();
    const victim = leader && this.sim.rng.chance(0.7) ? leader : this.sim.rng.pick(up);
    this.sim.pause(victim, this.ticks(5, 40));
  }

  private changeMembership(): void {
    const leader = this.sim.leader();
    if (!leader?.raw) return;
    const cs = leader.confState;
    const rng = this.sim.rng;
    const existingLearners = cs.learners.filter((id) => this.sim.nodes.get(id)?.raw !== undefined);
    let type: ConfChangeType;
    let target: NodeId;
    if (existingLearners.length > 0 && rng.chance(0.7)) {
      type = ConfChangeType.AddNode; // promote
      target = rng.pick(existingLearners);
    } else if (cs.voters.length < maxVoters && rng.chance(0.5)) {
      type = ConfChangeType.AddLearnerNode;
      target = this.sim.nextNodeId;
    } else if (cs.voters.length + cs.learners.length > 1) {
      type = ConfChangeType.RemoveNode;
      target = rng.pick([...cs.voters, ...cs.learners]);
    } else {
      return;
    }
    try {
      leader.raw.proposeConfChange(confChange(type, target));
    } catch (e) {
      if (e instanceof ProposalDroppedError) return;
      throw e;
    }
    this.sim.stats.confChanges++;
    this.sim.note(`propose ${ConfChangeType[type]} ${target} via ${leader.id}`);
    if (type === ConfChangeType.AddLearnerNode) {
      this.sim.nextNodeId++;
      this.sim.createNode(target, new MemoryStorage());
    }
  }

  private transfer(): void {
    const leader = this.sim.leader();
    if (!leader?.raw) return;
    const others = leader.confState.voters.filter((v) => v !== leader.id);
    if (others.length === 0) return;
    const to = this.sim.rng.pick(others);
    try {
      leader.raw.transferLeader(to);
    } catch (e) {
      if (e instanceof ProposalDroppedError) return;
      throw e;
    }
    this.sim.stats.transfers++;
    this.sim.note(`transfer ${leader.id} -> ${to}`);
  }
}
