// The replica's state machine: committed Raft entries → mvcc, in order, and
// the answers to the requests waiting on them. Configuration entries change
// both Raft's membership (RawNode.applyConfChange) and the member table in
// the mvcc state, at the same index, so the member table always describes
// the configuration as of the applied index — it is what snapshots carry.

import {
  ConfChangeType,
  decodeConfChange,
  EntryType,
  type ConfState,
  type Entry,
  type Message,
  type RawNode,
  type Snapshot,
} from '../raft/index.js';
import {
  MvccStore,
  type ApplyEntry,
  type ApplyResult,
  type Backend,
  type Command,
  type Member,
} from '../mvcc/index.js';
import { decodeMemberChange, decodeProposal } from './envelope.js';
import type { Logger } from './logger.js';
import type { ProposalWaiters } from './proposals.js';
import type { StateMachine } from './raft-driver.js';

export type ApplyOutcome = ApplyResult;

export interface StateMachineOptions {
  selfId: bigint;
  node: () => RawNode;
  backend: Backend;
  mvcc: MvccStore;
  waiters: ProposalWaiters<ApplyOutcome>;
  logger: Logger;
  /** The member table changed: the replica updates its transport peers. */
  onMembersChanged: (members: readonly Member[]) => void;
  /** This member applied its own removal. */
  onRemoved: () => void;
  /** Called after every applied batch (read waiters, metrics). */
  onApplied?: () => void;
}

export class ReplicaStateMachine implements StateMachine {
  mvcc: MvccStore;
  private staged: { index: number; chunks: readonly Uint8Array[] } | undefined;

  constructor(private readonly o: StateMachineOptions) {
    this.mvcc = o.mvcc;
  }

  appliedIndex(): number {
    return this.mvcc.appliedIndex();
  }

  confState(): ConfState {
    return confStateOf(this.mvcc.members());
  }

  apply(entries: readonly Entry[]): void {
    const batch: ApplyEntry[] = [];
    const waiting: ({ requestId: number } | undefined)[] = [];
    let membersChanged = false;
    let removed = false;
    for (const e of entries) {
      // An entry the mvcc state already holds (Raft replays from its last
      // snapshot after a restart): Raft must still see configuration changes,
      // as etcd does, but the state must not apply anything twice.
      if (e.index <= this.mvcc.appliedIndex()) {
        if (e.type === EntryType.ConfChange)
          this.o.node().applyConfChange(decodeConfChange(e.data));
        continue;
      }
      let command: Command | Uint8Array = new Uint8Array(0);
      let mine: { requestId: number } | undefined;
      if (e.type === EntryType.ConfChange) {
        const applied = this.applyConfChange(e);
        command = applied.command;
        mine = applied.mine;
        membersChanged = true;
        removed ||= applied.removedSelf;
      } else if (e.data.length > 0) {
        const p = decodeProposal(e.data);
        if (p) {
          command = p.command;
          if (p.proposer === this.o.selfId) mine = { requestId: p.requestId };
        } else {
          this.o.logger.warn({ index: e.index }, 'malformed entry applied as a no-op');
        }
      }
      batch.push({ index: e.index, term: e.term, command });
      waiting.push(mine);
    }
    if (batch.length === 0) return;
    const results = this.mvcc.applyEntries(batch);
    results.forEach((r, i) => {
      const w = waiting[i];
      if (w) this.o.waiters.resolve(w.requestId, r);
    });
    if (membersChanged) this.o.onMembersChanged(this.mvcc.members());
    this.o.onApplied?.();
    if (removed) this.o.onRemoved();
  }

  private applyConfChange(e: Entry): {
    command: Command | Uint8Array;
    mine: { requestId: number } | undefined;
    removedSelf: boolean;
  } {
    const cc = decodeConfChange(e.data);
    const change = decodeMemberChange(cc.context);
    const before = this.mvcc.members().map((m) => m.id);
    const cs = this.o.node().applyConfChange(cc);
    const known = new Set([...cs.voters, ...cs.learners]);
    const mine =
      change && change.proposer === this.o.selfId ? { requestId: change.requestId } : undefined;
    // Raft refused the change (it would leave no voter): record nothing.
    const took =
      cc.type === ConfChangeType.RemoveNode ? !known.has(cc.nodeId) : known.has(cc.nodeId);
    if (!took || (!change && cc.type !== ConfChangeType.RemoveNode)) {
      return { command: new Uint8Array(0), mine, removedSelf: false };
    }
    if (cc.type === ConfChangeType.RemoveNode) {
      return {
        command: { memberRemove: { id: cc.nodeId } },
        mine,
        removedSelf: cc.nodeId === this.o.selfId && before.includes(cc.nodeId),
      };
    }
    const member: Member = { ...change!.member, isLearner: cs.learners.includes(cc.nodeId) };
    return { command: { memberUpsert: { member } }, mine, removedSelf: false };
  }

  stageSnapshot(msg: Message, chunks: readonly Uint8Array[]): void {
    const index = msg.snapshot?.metadata.index ?? 0;
    if (!this.staged || this.staged.index <= index) this.staged = { index, chunks };
  }

  async installSnapshot(snap: Snapshot): Promise<void> {
    const staged = this.staged;
    if (!staged || staged.index !== snap.metadata.index) {
      throw new Error(
        `snapshot ${snap.metadata.index} has no staged state (staged: ${staged?.index ?? 'none'})`,
      );
    }
    this.staged = undefined;
    const listener = this.mvcc.listener;
    listener?.onRestoring?.();
    try {
      await this.mvcc.flush();
      this.mvcc = await MvccStore.importSnapshot(this.o.backend, staged.chunks, { listener });
    } catch (err) {
      // Refused: the old state stands, and its readers may read it again.
      listener?.onRestored?.(this.mvcc);
      throw err;
    }
    if (this.mvcc.appliedIndex() !== snap.metadata.index) {
      throw new Error(
        `snapshot state is at index ${this.mvcc.appliedIndex()}, its metadata says ${snap.metadata.index}`,
      );
    }
    this.o.logger.info(
      { index: snap.metadata.index, revision: this.mvcc.currentRevision() },
      'installed snapshot from leader',
    );
    this.o.onMembersChanged(this.mvcc.members());
    listener?.onRestored?.(this.mvcc);
  }

  prepareSnapshot(msg: Message): { msg: Message; data: () => AsyncIterable<Uint8Array> } {
    // The state streamed is the state as of the applied index at this call.
    const index = this.mvcc.appliedIndex();
    const term = this.mvcc.appliedTerm();
    const confState = this.confState();
    const data = this.mvcc.exportSnapshot();
    const out: Message = {
      ...msg,
      snapshot: { metadata: { index, term, confState }, data: new Uint8Array(0) },
    };
    return { msg: out, data: () => data };
  }

  sync(): Promise<void> {
    return this.mvcc.sync();
  }
}

export function confStateOf(members: readonly Member[]): ConfState {
  const voters: bigint[] = [];
  const learners: bigint[] = [];
  for (const m of members) (m.isLearner ? learners : voters).push(m.id);
  const byId = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
  return { voters: voters.sort(byId), learners: learners.sort(byId) };
}
