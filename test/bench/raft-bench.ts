// npm run bench:raft [-- --seconds S --batch B --entry-bytes N]
//
// The Raft core alone: a 3-member cluster in one process, MemoryStorage, and
// messages handed straight from one member's Ready to the next member's
// step(). It measures what the consensus logic costs, with no disk and no
// network: (1) throughput with proposals batched, (2) the median time per
// commit with a single proposal in flight.

import { parseArgs } from 'node:util';
import {
  bootstrapMemoryStorage,
  MemoryStorage,
  RawNode,
  SeededRandom,
  StateType,
  type Message,
  type NodeId,
} from '../../store/raft/index.js';

interface Member {
  id: NodeId;
  node: RawNode;
  storage: MemoryStorage;
  applied: number;
}

function cluster(): Member[] {
  const ids = [1n, 2n, 3n];
  const members = ids.map((id) => {
    const storage = new MemoryStorage();
    bootstrapMemoryStorage(storage, ids);
    const node = new RawNode({ id, storage, random: new SeededRandom(Number(id)) });
    return { id, node, storage, applied: 0 };
  });
  members[0]!.node.campaign();
  pump(members);
  if (members[0]!.node.raft.state !== StateType.Leader) throw new Error('bench: no leader');
  return members;
}

/** Runs every member's Ready loop and delivers messages until the cluster is quiet. */
function pump(members: Member[]): void {
  const byId = new Map(members.map((m) => [m.id, m]));
  let inbox: Message[] = [];
  for (;;) {
    for (const m of members) {
      while (m.node.hasReady()) {
        const rd = m.node.ready();
        m.storage.persist(rd);
        for (const msg of rd.messages) inbox.push(msg);
        m.applied += rd.committedEntries.length;
        m.node.advance();
      }
    }
    if (inbox.length === 0) return;
    const batch = inbox;
    inbox = [];
    for (const msg of batch) byId.get(msg.to)?.node.step(msg);
  }
}

function throughput(
  seconds: number,
  batch: number,
  entryBytes: number,
): { entries: number; secs: number } {
  const members = cluster();
  const leader = members[0]!;
  const payload = new Uint8Array(entryBytes).fill(7);
  const proposal = Array.from({ length: batch }, () => payload);
  const start = leader.applied;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let compactAt = 100_000;
  while (performance.now() < deadline) {
    leader.node.proposeBatch(proposal);
    pump(members);
    if (leader.applied > compactAt) {
      // Keep memory flat, as a replica's periodic snapshots would.
      for (const m of members) {
        const idx = m.node.raft.raftLog.applied;
        m.storage.createSnapshot(idx, m.node.raft.trk.confState(), new Uint8Array(0));
        m.storage.compact(idx);
      }
      compactAt += 100_000;
    }
  }
  return { entries: leader.applied - start, secs: (performance.now() - t0) / 1000 };
}

function latency(samples: number, entryBytes: number): { medianUs: number; p99Us: number } {
  const members = cluster();
  const leader = members[0]!;
  const payload = new Uint8Array(entryBytes).fill(7);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const before = leader.applied;
    const t0 = process.hrtime.bigint();
    leader.node.propose(payload);
    pump(members);
    if (leader.applied !== before + 1)
      throw new Error('bench: proposal did not commit in one pump');
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return {
    medianUs: times[Math.floor(times.length / 2)]!,
    p99Us: times[Math.floor(times.length * 0.99)]!,
  };
}

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    batches: { type: 'string', default: '10,100,1000' },
    'entry-bytes': { type: 'string', default: '100' },
    samples: { type: 'string', default: '20000' },
  },
});
const seconds = Number(values.seconds);
const batches = values.batches.split(',').map(Number);
const entryBytes = Number(values['entry-bytes']);
const samples = Number(values.samples);
for (const n of [seconds, entryBytes, samples, ...batches]) {
  if (!Number.isFinite(n) || n <= 0)
    throw new Error('bench:raft: every option must be a positive number');
}

// Warm up the JIT before measuring.
throughput(1, batches[batches.length - 1]!, entryBytes);
latency(2000, entryBytes);

console.log(
  `raft core: 3 members in one process, MemoryStorage, no network; ${entryBytes}-byte entries`,
);
console.log('| measure | result |');
console.log('| --- | --- |');
for (const batch of batches) {
  const t = throughput(seconds, batch, entryBytes);
  const rate = Math.round(t.entries / t.secs).toLocaleString('en-US');
  console.log(`| throughput, ${batch} entries per proposal | ${rate} entries/s |`);
}
const l = latency(samples, entryBytes);
console.log(
  `| time per commit, 1 proposal in flight | median ${l.medianUs.toFixed(1)} µs, p99 ${l.p99Us.toFixed(1)} µs |`,
);
console.log(
  `node ${process.version}; command: npm run bench:raft -- --seconds ${seconds} --batches ${batches.join(',')} --entry-bytes ${entryBytes} --samples ${samples}`,
);
