// A whole Raft cluster in one process, driven by one seed: members on
// MemoryStorage (which is exactly what survives a crash), a network that
// drops, delays, duplicates and reorders messages and can be partitioned,
// and a clock. Every member follows the RawNode contract: persist, send,
// apply, advance. Safety is checked after every Ready and every event.

import {
  bootstrapMemoryStorage,
  ConfChangeType,
  decodeConfChange,
  EntryType,
  MemoryStorage,
  MessageType,
  ProposalDroppedError,
  RawNode,
  SeededRandom,
  StateType,
  type ConfState,
  type Index,
  type Message,
  type NodeId,
  type Ready,
} from '../../store/raft/index.js';
import { EventQueue } from './event-queue.js';
import {
  decodeCommand,
  encodeCommand,
  KvMachine,
  type KvCommand,
  type KvResult,
} from './kv-machine.js';
import type { SimParams } from './params.js';
import { SafetyChecker } from './safety.js';

type Event = () => void;

/** A run that needs more events than this is spinning without time moving. */
const maxEventsPerRun = 5_000_000;

export class SimulationStuck extends Error {
  override name = 'SimulationStuck';
}

interface PendingRead {
  key: string;
  done: (value: string | null) => void;
}

export interface SimNode {
  readonly id: NodeId;
  storage: MemoryStorage;
  raw: RawNode | undefined;
  incarnation: number;
  kv: KvMachine;
  confState: ConfState;
  applied: Index;
  /** Applied its own removal: no longer a member (it keeps running, see handleReady). */
  removed: boolean;
  pendingWrites: Map<string, (r: KvResult) => void>;
  readsWaitingIndex: Map<string, PendingRead>;
  readsWaitingApply: { index: Index; read: PendingRead }[];
  /** Bug "ack-before-persist": storage as of the last durable point; a crash reverts to it. */
  durableCopy: MemoryStorage | undefined;
  tickOffsetUnits: number;
  /** This member's clock: time units between its ticks (drift included). */
  tickIntervalUnits: number;
  /** Commit index of the last persisted hard state. */
  persistedCommit: Index;
  /** A paused member (a GC pause, a stalled VM) does nothing until this time. */
  pausedUntil: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Simulation {
  time = 0;
  readonly queue = new EventQueue<Event>();
  readonly nodes = new Map<NodeId, SimNode>();
  readonly safety = new SafetyChecker();
  /** Directed links that drop everything: `${from}>${to}`. */
  readonly blocked = new Set<string>();
  readonly net: SeededRandom;
  readonly rng: SeededRandom;
  /** Network behaviour; the liveness phase makes it reliable. */
  dropRate: number;
  duplicateRate: number;
  delayMaxUnits: number;
  private readSeq = 0;
  nextNodeId: bigint;
  /** A log of notable events, printed for a failing seed with --verbose. */
  readonly trace: string[] = [];
  events = 0;
  /** Decides whether a member dies between persisting a Ready and sending it (fault workload). */
  crashInReady: ((n: SimNode, decisive: boolean) => boolean) | undefined;
  /** Called when a member becomes leader (the fault workload hooks in here). */
  onLeaderElected: ((n: SimNode) => void) | undefined;
  stats = {
    messages: 0,
    dropped: 0,
    crashes: 0,
    restarts: 0,
    confChanges: 0,
    transfers: 0,
    partitions: 0,
  };

  constructor(readonly p: SimParams) {
    this.net = new SeededRandom(p.seed * 7 + 1);
    this.rng = new SeededRandom(p.seed * 7 + 2);
    this.dropRate = p.dropRate;
    this.duplicateRate = p.duplicateRate;
    this.delayMaxUnits = p.delayMaxUnits;
    const voters: NodeId[] = [];
    for (let i = 1; i <= p.nodes; i++) voters.push(BigInt(i));
    this.nextNodeId = BigInt(p.nodes + 1);
    for (const id of voters) {
      const storage = new MemoryStorage();
      bootstrapMemoryStorage(storage, voters);
      this.createNode(id, storage);
    }
  }

  note(line: string): void {
    this.trace.push(`t=${this.time} ${line}`);
  }

  at(delayUnits: number, ev: Event): void {
    this.queue.push(this.time + Math.max(0, Math.floor(delayUnits)), ev);
  }

  /** Runs events until `until`; returns early if `stop()` becomes true (checked after each event). */
  runUntil(until: number, stop?: () => boolean): boolean {
    for (;;) {
      if (++this.events > maxEventsPerRun) {
        throw new SimulationStuck(`more than ${maxEventsPerRun} events by time ${this.time}`);
      }
      const next = this.queue.peekTime();
      if (next === undefined || next > until) {
        this.time = until;
        return false;
      }
      const { time, event } = this.queue.pop()!;
      this.time = time;
      event();
      this.afterEvent();
      if (stop?.()) return true;
    }
  }

  // ---- members ----

  createNode(id: NodeId, storage: MemoryStorage): SimNode {
    const n: SimNode = {
      id,
      storage,
      raw: undefined,
      incarnation: 0,
      kv: new KvMachine(),
      confState: storage.snapshot().metadata.confState,
      applied: 0,
      removed: false,
      pendingWrites: new Map(),
      readsWaitingIndex: new Map(),
      readsWaitingApply: [],
      durableCopy: undefined,
      tickOffsetUnits: this.rng.int(this.p.tickUnits),
      tickIntervalUnits:
        this.p.tickUnits + this.rng.range(-this.p.clockDriftUnits, this.p.clockDriftUnits),
      persistedCommit: 0,
      pausedUntil: 0,
    };
    this.nodes.set(id, n);
    this.start(n);
    return n;
  }

  private start(n: SimNode): void {
    const snap = n.storage.snapshot();
    n.incarnation++;
    n.kv = KvMachine.deserialize(snap.data);
    n.confState = snap.metadata.confState;
    n.applied = snap.metadata.index;
    n.pendingWrites = new Map();
    n.readsWaitingIndex = new Map();
    n.readsWaitingApply = [];
    n.durableCopy = undefined;
    const bug = this.p.bug;
    n.raw = new RawNode({
      id: n.id,
      storage: n.storage,
      random: new SeededRandom(this.p.seed * 131 + Number(n.id) * 17 + n.incarnation),
      electionTimeoutTicks: this.p.electionTimeoutTicks,
      heartbeatIntervalTicks: this.p.heartbeatIntervalTicks,
      appliedIndex: n.applied,
      maxInflightMessages: this.p.maxInflightMessages,
      maxMessageBytes: this.p.maxMessageBytes,
      maxInflightBytes: Math.max(this.p.maxMessageBytes, 4096),
      unsafe: {
        voteWithoutLogCheck: bug === 'vote-without-log-check',
        commitEarlierTermByCount: bug === 'commit-earlier-term',
        readIndexWithoutHeartbeat: bug === 'read-index-without-heartbeat',
      },
    });
    this.safety.onRestart(n.id, n.storage);
    const inc = n.incarnation;
    this.at(n.tickOffsetUnits + 1, () => this.tick(n, inc));
  }

  private tick(n: SimNode, inc: number): void {
    if (!n.raw || n.incarnation !== inc) return;
    if (this.deferIfPaused(n, () => this.tick(n, inc))) return;
    this.makeDurable(n);
    n.raw.tick();
    const jitter =
      this.p.tickJitterUnits > 0
        ? this.rng.range(-this.p.tickJitterUnits, this.p.tickJitterUnits)
        : 0;
    this.at(n.tickIntervalUnits + jitter, () => this.tick(n, inc));
  }

  crash(n: SimNode): void {
    if (!n.raw) return;
    this.note(`crash ${n.id}`);
    this.stats.crashes++;
    n.raw = undefined;
    if (n.durableCopy) {
      // What was written but never made durable is lost.
      n.storage = n.durableCopy;
      n.durableCopy = undefined;
    }
  }

  restart(n: SimNode): void {
    if (n.raw) return;
    this.note(`restart ${n.id}`);
    this.stats.restarts++;
    this.start(n);
  }

  /**
   * Freezes a member: its clock stops and everything addressed to it waits.
   * When it resumes it still believes what it believed before — the classic
   * way a deposed leader serves a stale read.
   */
  pause(n: SimNode, units: number): void {
    if (!n.raw) return;
    this.note(`pause ${n.id} for ${units}`);
    n.pausedUntil = Math.max(n.pausedUntil, this.time + units);
  }

  /** Re-queues `ev` for when `n` resumes; false if `n` is not paused. */
  private deferIfPaused(n: SimNode, ev: Event): boolean {
    if (n.pausedUntil <= this.time) return false;
    this.queue.push(n.pausedUntil, ev);
    return true;
  }

  isUp(n: SimNode): boolean {
    return n.raw !== undefined;
  }

  upNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.raw !== undefined);
  }

  /** The leader with the highest term, if any member thinks it leads. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      const r = n.raw?.raft;
      if (!r || r.state !== StateType.Leader) continue;
      if (!best || r.term > best.raw!.raft.term) best = n;
    }
    return best;
  }

  // ---- the Ready loop ----

  private afterEvent(): void {
    for (const n of this.nodes.values()) {
      const raw = n.raw;
      if (!raw) continue;
      while (n.raw === raw && raw.hasReady()) this.handleReady(n, raw, raw.ready());
      if (n.raw) this.safety.observeState(n.id, n.raw.raft.state, n.raw.raft.term);
    }
  }

  private handleReady(n: SimNode, raw: RawNode, rd: Ready): void {
    const isLeader = raw.raft.state === StateType.Leader;
    const term = raw.raft.term;
    if (this.p.bug === 'ack-before-persist') {
      // The bug: messages go out and the Ready is acknowledged before the
      // write is durable; it becomes durable only at the member's next tick.
      n.durableCopy ??= cloneStorage(n.storage);
    }
    if (rd.softState?.state === StateType.Leader) this.onLeaderElected?.(n);
    if (rd.softState) {
      this.note(
        `member ${n.id} is ${rd.softState.state} term=${term} lead=${rd.softState.lead} last=${raw.raft.raftLog.lastIndex()} commit=${raw.raft.raftLog.committed}`,
      );
    }
    // 1. persist
    n.storage.persist(rd);
    this.safety.onPersist(n.id, rd, isLeader, term);
    // A leader's Ready that decides something (new entries, a new commit
    // index) is where a crash before sending hurts most.
    const decisive =
      isLeader &&
      (rd.entries.length > 0 ||
        (rd.hardState !== undefined && rd.hardState.commit > n.persistedCommit));
    n.persistedCommit = rd.hardState?.commit ?? n.persistedCommit;
    if (this.crashInReady?.(n, decisive)) {
      this.note(`crash ${n.id} between persist and send`);
      this.crash(n);
      return;
    }
    // 2. send
    for (const m of rd.messages) this.send(m);
    // 3. apply
    if (rd.snapshot) {
      n.kv = KvMachine.deserialize(rd.snapshot.data);
      n.confState = rd.snapshot.metadata.confState;
      n.applied = rd.snapshot.metadata.index;
      this.safety.onSnapshotApplied(n.id, rd.snapshot);
    }
    let removedSelf = false;
    for (const e of rd.committedEntries) {
      this.safety.onApply(n.id, e, raw.raft.term);
      n.applied = e.index;
      if (e.type === EntryType.ConfChange) {
        const cc = decodeConfChange(e.data);
        n.confState = raw.applyConfChange(cc);
        this.note(`member ${n.id} applied ${ConfChangeType[cc.type]} ${cc.nodeId} at ${e.index}`);
        if (cc.type === ConfChangeType.RemoveNode && cc.nodeId === n.id) removedSelf = true;
      } else if (e.data.length > 0) {
        this.applyCommand(n, decodeCommand(e.data));
      }
    }
    // 4. reads
    for (const rs of rd.readStates) {
      const key = decoder.decode(rs.requestCtx);
      const read = n.readsWaitingIndex.get(key);
      if (!read) continue;
      n.readsWaitingIndex.delete(key);
      n.readsWaitingApply.push({ index: rs.index, read });
    }
    // 5. advance
    raw.advance();
    this.serveReads(n);
    this.maybeCompact(n);
    if (removedSelf) {
      // etcd stops a removed member only after a delay, so that its last
      // messages (the commit of its own removal) get out; if it stopped at
      // once, the rest of a two-voter cluster could wait forever for its
      // vote. Here it keeps running as a non-member, which also exercises
      // "a removed server must not disrupt the cluster".
      this.note(`member ${n.id} applied its own removal`);
      n.removed = true;
    }
  }

  private applyCommand(n: SimNode, c: KvCommand): void {
    const result = n.kv.apply(c);
    const key = `${c.client}:${c.seq}`;
    const done = n.pendingWrites.get(key);
    if (result && done) {
      n.pendingWrites.delete(key);
      done(result);
    }
  }

  private serveReads(n: SimNode): void {
    if (n.readsWaitingApply.length === 0) return;
    const still: { index: Index; read: PendingRead }[] = [];
    for (const w of n.readsWaitingApply) {
      if (w.index <= n.applied) w.read.done(n.kv.get(w.read.key));
      else still.push(w);
    }
    n.readsWaitingApply = still;
  }

  private maybeCompact(n: SimNode): void {
    const snapIndex = n.storage.snapshot().metadata.index;
    if (n.applied - snapIndex < this.p.snapshotEveryEntries) return;
    if (n.applied > n.storage.lastIndex()) return;
    n.storage.createSnapshot(n.applied, n.confState, n.kv.serialize());
    const compactTo = n.applied - this.p.keepTailEntries;
    if (compactTo >= n.storage.firstIndex()) n.storage.compact(compactTo);
  }

  private makeDurable(n: SimNode): void {
    n.durableCopy = undefined;
  }

  // ---- network ----

  private linkBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.has(`${from}>${to}`);
  }

  send(m: Message): void {
    this.stats.messages++;
    if (this.linkBlocked(m.from, m.to) || this.net.chance(this.dropRate)) {
      this.drop(m);
      return;
    }
    const copies = this.net.chance(this.duplicateRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = this.net.range(
        this.p.delayMinUnits,
        Math.max(this.p.delayMinUnits, this.delayMaxUnits),
      );
      this.at(delay, () => this.deliver({ ...m }));
    }
  }

  private deliver(m: Message): void {
    const target = this.nodes.get(m.to);
    if (!target?.raw || this.linkBlocked(m.from, m.to)) {
      this.drop(m);
      return;
    }
    if (this.deferIfPaused(target, () => this.deliver(m))) return;
    target.raw.step(m);
    if (m.type === MessageType.Snap) this.nodes.get(m.from)?.raw?.reportSnapshot(m.to, true);
  }

  private drop(m: Message): void {
    this.stats.dropped++;
    const sender = this.nodes.get(m.from)?.raw;
    if (!sender) return;
    if (m.type === MessageType.Snap) sender.reportSnapshot(m.to, false);
    else if (m.type === MessageType.App && this.net.chance(0.1)) sender.reportUnreachable(m.to);
  }

  // ---- the client interface ----

  /** Proposes a write at `id`; false if it was refused outright (it will never apply). */
  submitWrite(id: NodeId, c: KvCommand, done: (r: KvResult) => void): boolean {
    const n = this.nodes.get(id);
    if (!n?.raw) return false;
    // A request to a paused member waits for it; if refused then, the client times out.
    if (this.deferIfPaused(n, () => void this.submitWrite(id, c, done))) return true;
    try {
      n.raw.propose(encodeCommand(c));
    } catch (e) {
      if (e instanceof ProposalDroppedError) return false;
      throw e;
    }
    n.pendingWrites.set(`${c.client}:${c.seq}`, done);
    return true;
  }

  /** Starts a linearizable read at `id` through ReadIndex; false if refused outright. */
  submitRead(id: NodeId, key: string, done: (value: string | null) => void): boolean {
    const n = this.nodes.get(id);
    if (!n?.raw) return false;
    if (this.deferIfPaused(n, () => void this.submitRead(id, key, done))) return true;
    const ctx = `${id}:${n.incarnation}:${this.readSeq++}`;
    try {
      n.raw.readIndex(encoder.encode(ctx));
    } catch (e) {
      if (e instanceof ProposalDroppedError) return false;
      throw e;
    }
    n.readsWaitingIndex.set(ctx, { key, done });
    return true;
  }
}

function cloneStorage(s: MemoryStorage): MemoryStorage {
  const c = new MemoryStorage();
  const snap = s.snapshot();
  if (snap.metadata.index > 0) c.applySnapshot(snap);
  const first = s.firstIndex();
  const last = s.lastIndex();
  if (last >= first) c.append(s.entries(first, last + 1, Number.MAX_SAFE_INTEGER));
  c.setHardState(s.hardState());
  return c;
}
