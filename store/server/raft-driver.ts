// The ready loop: the one place where the Raft core meets the disk, the
// network and the state machine. For each Ready, in the order the core's
// contract requires (docs/raft.md):
//   0. a snapshot from the leader: install its state first (so a crash
//      between the two steps leaves state ahead of the log, which the
//      applier then skips, never the reverse);
//   1. persist snapshot, entries and hard state in one synced batch — every
//      proposal made since the last Ready rides in it (group commit);
//   2. send the messages;
//   3. apply committed entries to the state machine;
//   4. answer read states; advance.
// Anything that steps the node (a message, a proposal, a tick) kicks the
// loop; it runs one Ready at a time.

import type { RaftLogStore } from '../backend/index.js';
import {
  MessageType,
  StateType,
  type ConfState,
  type HardState,
  type Ready,
  type Entry,
  type Index,
  type Message,
  type RawNode,
  type Snapshot,
} from '../raft/index.js';
import type { Transport, TransportHandlers } from '../transport/transport.js';
import { crashPoint } from './crash-points.js';
import type { Logger } from './logger.js';
import type { ReadIndexer } from './read-index.js';

/** After losing the leader's connection, a follower campaigns within 1..this many ticks. */
const fastFailoverJitterTicks = 4;

/** Messages a leader may send before its own write of the same Ready is durable. */
function sendsEarly(m: Message): boolean {
  return m.type === MessageType.App || m.type === MessageType.Heartbeat;
}

export interface StateMachine {
  /** Installs the state received with `snap` (staged by onSnapshot) before the log records it. */
  installSnapshot(snap: Snapshot): Promise<void>;
  /** Applies committed entries in order (synchronously in memory). */
  apply(entries: readonly Entry[]): void;
  appliedIndex(): Index;
  /** The configuration as of the applied index. */
  confState(): ConfState;
  /** Turns the core's MsgSnap into one carrying the current state (see docs/store-design.md). */
  prepareSnapshot(msg: Message): { msg: Message; data: () => AsyncIterable<Uint8Array> };
  /** Keeps a snapshot's state that arrived from the leader until its Ready installs it. */
  stageSnapshot(msg: Message, chunks: readonly Uint8Array[]): void;
  /** Makes everything applied durable (before the log is compacted behind it). */
  sync(): Promise<void>;
}

export interface DriverOptions {
  node: RawNode;
  log: RaftLogStore;
  transport: () => Transport;
  sm: StateMachine;
  reads: ReadIndexer;
  logger: Logger;
  tickMs: number;
  snapshotCountEntries: number;
  snapshotCatchUpEntries: number;
  /** Called when the loop cannot go on (a failed disk write): the process must stop. */
  onFatal: (err: unknown) => void;
  /** Called after every Ready is handled (metrics, tests, waiters). */
  afterReady?: () => void;
}

export class RaftDriver {
  private running = false;
  private stopped = false;
  private ticker: NodeJS.Timeout | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private snapshotIndex: Index;
  /** The hard state last written. */
  private lastHard: HardState;

  constructor(private readonly o: DriverOptions) {
    this.snapshotIndex = o.log.storage.snapshot().metadata.index;
    this.lastHard = o.log.storage.hardState();
  }

  start(): void {
    this.ticker = setInterval(() => this.tick(), this.o.tickMs);
    this.kick();
  }

  private tick(): void {
    if (this.stopped) return;
    this.o.node.tick();
    this.o.reads.onTick(Date.now());
    this.kick();
  }

  /** The transport's view of this driver. */
  handlers(): Omit<TransportHandlers, 'members'> {
    return {
      onMessages: (msgs) => {
        if (this.stopped) return;
        for (const m of msgs) this.o.node.step(m);
        this.kick();
      },
      onSnapshot: async (msg, chunks) => {
        if (this.stopped) throw new Error('replica stopped');
        this.o.sm.stageSnapshot(msg, chunks);
        this.o.node.step(msg);
        this.kick();
      },
      onUnreachable: (id) => {
        if (this.stopped) return;
        this.o.node.reportUnreachable(id);
        this.kick();
      },
      onPeerDown: (id) => {
        if (this.stopped || id !== this.o.node.raft.lead) return;
        // The leader's process may be gone: stop trusting it, and let this
        // member's election come within a few ticks (randomized, so the
        // followers do not all campaign at once). PreVote keeps this
        // harmless if the leader is in fact alive.
        const jitterTicks = 1 + Math.floor(Math.random() * fastFailoverJitterTicks);
        this.o.node.forgetLeader(jitterTicks);
        this.o.logger.info({ leader: id.toString(16) }, 'lost the connection to the leader');
        this.kick();
      },
      onSnapshotStatus: (id, ok) => {
        if (this.stopped) return;
        this.o.node.reportSnapshot(id, ok);
        this.kick();
      },
    };
  }

  /** Runs the loop soon if anything is ready and it is not already running. */
  kick(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.loopDone = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.loop())
      .catch((err: unknown) => {
        this.stopped = true;
        this.o.onFatal(err);
      })
      .finally(() => {
        this.running = false;
        if (!this.stopped && this.o.node.hasReady()) this.kick();
      });
  }

  private async loop(): Promise<void> {
    const { node, log, sm, reads } = this.o;
    while (!this.stopped && node.hasReady()) {
      const isLeader = node.raft.state === StateType.Leader;
      const rd = node.ready();
      // A leader may replicate while its own write is in flight (Raft thesis
      // §10.2.1; etcd does the same): its appends and heartbeats promise
      // nothing about its own disk, and it counts itself toward commit only
      // once its write is done. Not when this Ready changes its term or vote,
      // which must be durable before anyone hears of them.
      const early = isLeader && !this.changesTermOrVote(rd) ? rd.messages.filter(sendsEarly) : [];
      this.send(early);
      if (rd.snapshot) {
        await sm.installSnapshot(rd.snapshot);
        crashPoint('snapshot-install'); // state installed, the log not yet told
      }
      if (rd.entries.length > 0) crashPoint('before-persist');
      await log.save(rd, { sync: rd.mustSync });
      if (rd.entries.length > 0) crashPoint('after-persist');
      if (rd.hardState) this.lastHard = rd.hardState;
      this.send(early.length === 0 ? rd.messages : rd.messages.filter((m) => !sendsEarly(m)));
      if (rd.committedEntries.length > 0) {
        crashPoint('before-apply');
        sm.apply(rd.committedEntries);
        crashPoint('after-apply');
      }
      if (rd.snapshot) this.snapshotIndex = rd.snapshot.metadata.index;
      reads.onReadStates(rd.readStates);
      node.advance();
      reads.onApplied(sm.appliedIndex());
      this.o.afterReady?.();
      await this.maybeSnapshot();
    }
  }

  private changesTermOrVote(rd: Ready): boolean {
    const hs = rd.hardState;
    return hs !== undefined && (hs.term !== this.lastHard.term || hs.vote !== this.lastHard.vote);
  }

  private send(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    const transport = this.o.transport();
    const plain: Message[] = [];
    for (const m of messages) {
      if (m.type === MessageType.Snap) {
        const prepared = this.o.sm.prepareSnapshot(m);
        this.o.logger.info(
          { to: m.to.toString(16), index: prepared.msg.snapshot?.metadata.index },
          'sending snapshot',
        );
        transport.sendSnapshot(prepared.msg, prepared.data);
      } else {
        plain.push(m);
      }
    }
    if (plain.length > 0) transport.send(plain);
  }

  /**
   * Every snapshotCountEntries applied entries: make the state durable,
   * record a raft snapshot at the applied index and drop the log behind it,
   * keeping a catch-up tail so a slightly slow follower needs no snapshot.
   */
  private async maybeSnapshot(): Promise<void> {
    const applied = this.o.sm.appliedIndex();
    if (applied - this.snapshotIndex < this.o.snapshotCountEntries) return;
    const { log, sm } = this.o;
    // After a crash between installing a leader's snapshot state and
    // recording it in the log, the state is ahead of the log: wait until the
    // log holds the applied index (the leader resends what follows the log),
    // since a raft snapshot must describe an index the log knows.
    if (applied > log.storage.lastIndex()) return;
    await sm.sync();
    crashPoint('snapshot-save'); // state durable, no raft snapshot recorded yet
    await log.createSnapshot(applied, sm.confState(), new Uint8Array(0));
    this.snapshotIndex = applied;
    const compactTo = applied - this.o.snapshotCatchUpEntries;
    if (compactTo >= log.storage.firstIndex()) await log.compact(compactTo);
    this.o.logger.info({ index: applied, compactedTo: compactTo }, 'raft snapshot taken');
  }

  /** Stops ticking and waits for the loop to finish its current Ready. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    await this.loopDone.catch(() => undefined);
  }
}
