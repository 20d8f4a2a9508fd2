// One simulated run: a safety phase with faults, then a liveness phase
// without, then the linearizability check of the clients' history.

import { checkOperations, kvModel, type KvOperation } from '../../store/check/index.js';
import { RaftInvariantError, StateType } from '../../store/raft/index.js';
import { FaultPlanner } from './faults.js';
import { drawParams, type ParamOverrides, type SimParams } from './params.js';
import { SafetyViolation } from './safety.js';
import { Simulation, SimulationStuck } from './simulation.js';
import { Client } from './workload.js';

export type RunOutcome =
  | { ok: true; params: SimParams; summary: string }
  | {
      ok: false;
      params: SimParams;
      kind: 'safety' | 'liveness' | 'linearizability' | 'crash';
      message: string;
      trace: string[];
    };

/** Operations each client must complete after faults stop. */
const livenessOpsPerClient = 3;

export function runSeed(seed: number, overrides: ParamOverrides = {}): RunOutcome {
  const params = drawParams(seed, overrides);
  const sim = new Simulation(params);
  const history: KvOperation[] = [];
  const clients: Client[] = [];
  for (let c = 0; c < params.clients; c++) clients.push(new Client(c + 1, sim, history));
  const faults = new FaultPlanner(sim);
  const fail = (
    kind: 'safety' | 'liveness' | 'linearizability' | 'crash',
    message: string,
  ): RunOutcome => ({
    ok: false,
    params,
    kind,
    message,
    trace: sim.trace,
  });

  try {
    for (const c of clients) c.start();
    faults.start();
    const safetyEnd = params.safetyTicks * params.tickUnits;
    sim.runUntil(safetyEnd);

    // Liveness: heal everything and make the network reliable.
    faults.stop();
    sim.blocked.clear();
    sim.dropRate = 0;
    sim.duplicateRate = 0;
    sim.delayMaxUnits = Math.min(sim.delayMaxUnits, 5);
    for (const n of sim.nodes.values()) sim.restart(n);
    sim.note('faults stop: healed, restarted, reliable network');
    for (const c of clients) c.countSince = sim.time;
    const deadline = sim.time + params.livenessTicks * params.tickUnits;
    // Every client completes operations again; then, with the load stopped,
    // everything proposed commits and every member applies it.
    const served = sim.runUntil(deadline, () =>
      clients.every((c) => c.completed >= livenessOpsPerClient),
    );
    if (!served)
      return fail('liveness', livenessReport(sim, clients, params, 'clients not served'));
    for (const c of clients) c.quiesce();
    const settled = sim.runUntil(deadline, () => clients.every((c) => c.idle()) && converged(sim));
    if (!settled)
      return fail('liveness', livenessReport(sim, clients, params, 'members did not converge'));
    for (const c of clients) c.stop();
  } catch (e) {
    if (e instanceof SafetyViolation) return fail('safety', e.message);
    if (e instanceof RaftInvariantError) return fail('crash', `raft invariant: ${e.message}`);
    if (e instanceof SimulationStuck) return fail('liveness', `simulation stuck: ${e.message}`);
    throw e;
  }

  const result = checkOperations(kvModel, history);
  if (result.outcome === 'illegal') {
    return fail('linearizability', `history is not linearizable\n${result.explanation}`);
  }
  const s = sim.stats;
  return {
    ok: true,
    params,
    summary:
      `nodes=${params.nodes} ops=${history.length} commit=${sim.safety.committedIndex()} msgs=${s.messages} ` +
      `dropped=${s.dropped} crashes=${s.crashes} partitions=${s.partitions} confChanges=${s.confChanges} ` +
      `transfers=${s.transfers}` +
      (result.outcome === 'unknown' ? ` linearizability=unknown(${result.reason})` : ''),
  };
}

/** A leader that everyone in its configuration follows, its whole log committed and applied everywhere. */
function converged(sim: Simulation): boolean {
  const leader = sim.leader();
  if (!leader?.raw) return false;
  const lr = leader.raw.raft;
  if (lr.raftLog.committed !== lr.raftLog.lastIndex()) return false;
  for (const id of [...leader.confState.voters, ...leader.confState.learners]) {
    const n = sim.nodes.get(id);
    if (!n?.raw) continue; // a member removed and stopped
    if (n.raw.raft.lead !== leader.id || n.applied < lr.raftLog.committed) return false;
  }
  if (leader.applied < lr.raftLog.committed) return false;
  const fingerprint = leader.kv.fingerprint();
  for (const id of leader.confState.voters) {
    const n = sim.nodes.get(id);
    if (n?.raw && n.kv.fingerprint() !== fingerprint) return false;
  }
  return true;
}

function livenessReport(sim: Simulation, clients: Client[], p: SimParams, what: string): string {
  const lines = [`${what} within ${p.livenessTicks} ticks after faults stopped`];
  for (const n of sim.nodes.values()) {
    const r = n.raw?.raft;
    lines.push(
      r
        ? `  member ${n.id}: ${r.state} term=${r.term} lead=${r.lead} commit=${r.raftLog.committed} applied=${n.applied} last=${r.raftLog.lastIndex()} voters=[${n.confState.voters.join(',')}] learners=[${n.confState.learners.join(',')}]`
        : `  member ${n.id}: ${n.removed ? 'removed' : 'down'}`,
    );
  }
  lines.push(`  clients completed: ${clients.map((c) => c.completed).join(', ')}`);
  const leader = sim.leader();
  lines.push(`  leader: ${leader ? `${leader.id} (${StateType.Leader})` : 'none'}`);
  for (const [id, pr] of leader?.raw?.raft.trk.progress ?? []) {
    lines.push(
      `  progress ${id}: ${pr.state} match=${pr.match} next=${pr.next} probeSent=${pr.probeSent} pendingSnapshot=${pr.pendingSnapshot} inflight=${pr.inflights.size()} active=${pr.recentActive}`,
    );
  }
  return lines.join('\n');
}
