// A three-member cluster of the Raft core in one process, over in-memory
// storage and an in-memory network, that walks through what Raft does:
// elect, replicate, serve a linearizable read, survive the leader's crash,
// catch a restarted member up, and change membership. `capstan demo` (and,
// until the replica exists, `npm start`) prints its story.

import {
  bootstrapMemoryStorage,
  ConfChangeType,
  confChange,
  decodeConfChange,
  EntryType,
  MemoryStorage,
  RawNode,
  SeededRandom,
  StateType,
  type Message,
  type NodeId,
} from '../raft/index.js';

interface Member {
  id: NodeId;
  storage: MemoryStorage;
  node: RawNode | undefined;
  kv: Map<string, string>;
  applied: number;
  reads: Map<string, number>;
}

export interface DemoResult {
  lines: string[];
  /** Every live member's applied index and data, for a test to compare. */
  finalState: { id: NodeId; applied: number; kv: string }[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** A bound on how long any step of the story may take, in ticks. */
const maxTicksPerStep = 200;

class DemoCluster {
  readonly members = new Map<NodeId, Member>();
  private inbox: Message[] = [];
  ticks = 0;

  constructor(
    ids: NodeId[],
    private readonly seed: number,
  ) {
    for (const id of ids) {
      const storage = new MemoryStorage();
      bootstrapMemoryStorage(storage, ids);
      this.add(id, storage);
    }
  }

  add(id: NodeId, storage: MemoryStorage): Member {
    const m: Member = { id, storage, node: undefined, kv: new Map(), applied: 0, reads: new Map() };
    this.members.set(id, m);
    this.start(m);
    return m;
  }

  start(m: Member): void {
    const snap = m.storage.snapshot();
    m.kv = new Map();
    m.applied = snap.metadata.index;
    m.node = new RawNode({
      id: m.id,
      storage: m.storage,
      random: new SeededRandom(this.seed * 31 + Number(m.id)),
      appliedIndex: m.applied,
    });
  }

  crash(id: NodeId): void {
    const m = this.members.get(id)!;
    m.node = undefined;
  }

  leader(): Member | undefined {
    return [...this.members.values()].find((m) => m.node?.raft.state === StateType.Leader);
  }

  /** Runs Ready loops and delivers messages until nothing moves. */
  settle(): void {
    for (let round = 0; round < 10_000; round++) {
      for (const m of this.members.values()) this.drain(m);
      if (this.inbox.length === 0) return;
      const batch = this.inbox;
      this.inbox = [];
      for (const msg of batch) this.members.get(msg.to)?.node?.step(msg);
    }
    throw new Error('demo: the cluster did not settle');
  }

  private drain(m: Member): void {
    const node = m.node;
    while (node && m.node === node && node.hasReady()) {
      const rd = node.ready();
      m.storage.persist(rd);
      this.inbox.push(...rd.messages);
      for (const e of rd.committedEntries) {
        m.applied = e.index;
        if (e.type === EntryType.ConfChange) node.applyConfChange(decodeConfChange(e.data));
        else if (e.data.length > 0) {
          const [k, v] = decoder.decode(e.data).split('=', 2) as [string, string];
          m.kv.set(k, v);
        }
      }
      for (const rs of rd.readStates) m.reads.set(decoder.decode(rs.requestCtx), rs.index);
      node.advance();
    }
  }

  tickUntil(done: () => boolean, what: string): number {
    for (let t = 1; t <= maxTicksPerStep; t++) {
      for (const m of this.members.values()) m.node?.tick();
      this.ticks++;
      this.settle();
      if (done()) return t;
    }
    throw new Error(`demo: ${what} did not happen within ${maxTicksPerStep} ticks`);
  }

  put(via: Member, key: string, value: string): void {
    via.node!.propose(encoder.encode(`${key}=${value}`));
    this.settle();
  }
}

function hex(id: NodeId): string {
  return id.toString();
}

export function runDemo(seed = 1): DemoResult {
  const lines: string[] = [];
  const say = (s: string): number => lines.push(s);
  const c = new DemoCluster([1n, 2n, 3n], seed);
  say('capstan demo: three Raft members in one process (in-memory storage and network)');

  let took = c.tickUntil(() => c.leader() !== undefined, 'the first election');
  let leader = c.leader()!;
  say(
    `- member ${hex(leader.id)} won the election for term ${leader.node!.raft.term} after ${took} ticks (pre-vote, then vote)`,
  );

  for (let i = 1; i <= 3; i++) c.put(leader, `k${i}`, `v${i}`);
  const follower = [...c.members.values()].find((m) => m !== leader)!;
  c.put(follower, 'k4', 'v4');
  say(
    `- wrote k1..k3 through the leader and k4 through member ${hex(follower.id)} (forwarded); commit index ${leader.node!.raft.raftLog.committed}`,
  );

  follower.node!.readIndex(encoder.encode('read-1'));
  c.settle();
  const readAt = follower.reads.get('read-1');
  say(
    `- linearizable read on member ${hex(follower.id)}: ReadIndex ${readAt} confirmed by a heartbeat round, k4 = ${follower.kv.get('k4')}`,
  );

  const old = leader;
  c.crash(old.id);
  say(`- crashed the leader, member ${hex(old.id)}`);
  took = c.tickUntil(() => c.leader() !== undefined, 'a new election');
  leader = c.leader()!;
  say(
    `- member ${hex(leader.id)} took over in term ${leader.node!.raft.term} after ${took} ticks, with every committed entry (k1..k4: ${['k1', 'k2', 'k3', 'k4'].every((k) => leader.kv.has(k))})`,
  );
  c.put(leader, 'k5', 'v5');

  c.start(old);
  took = c.tickUntil(() => old.applied === leader.applied, 'the restarted member catching up');
  say(
    `- restarted member ${hex(old.id)}: it kept its log on disk and caught up to index ${old.applied} in ${took} ticks`,
  );

  c.add(4n, new MemoryStorage());
  leader.node!.proposeConfChange(confChange(ConfChangeType.AddLearnerNode, 4n));
  c.settle();
  const learner = c.members.get(4n)!;
  took = c.tickUntil(() => learner.applied === leader.applied, 'the learner catching up');
  say(
    `- added member 4 as a learner: it received a snapshot and the log, caught up in ${took} ticks, and does not vote`,
  );
  leader.node!.proposeConfChange(confChange(ConfChangeType.AddNode, 4n));
  c.settle();
  const voters = leader.node!.raft.trk.confState().voters.map(hex).join(', ');
  say(`- promoted it to voter: the voters are now ${voters}`);

  const finalState = [...c.members.values()]
    .filter((m) => m.node)
    .map((m) => ({
      id: m.id,
      applied: m.applied,
      kv: JSON.stringify([...m.kv].sort(([a], [b]) => (a < b ? -1 : 1))),
    }));
  const same = finalState.every(
    (s) => s.kv === finalState[0]!.kv && s.applied === finalState[0]!.applied,
  );
  say(
    `- every member applied the same ${finalState[0]!.applied} entries with the same data: ${same}`,
  );
  say(`${c.ticks} ticks in all. A real replica (capstan store) comes with the next milestone.`);
  return { lines, finalState };
}
