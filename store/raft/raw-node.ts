// The public face of the Raft core: inputs (tick, step, propose, ...) and one
// output, `ready()`, acknowledged by `advance()`.
//
// The driver's contract for each Ready, in this order:
//   1. persist `snapshot` (if any), `entries` and `hardState` — durably
//      (fsync) when `mustSync`;
//   2. send `messages` (only now: they may promise what step 1 stored);
//   3. apply `snapshot`, then `committedEntries`, to the state machine, in
//      order; call `applyConfChange` for each ConfChange entry;
//   4. serve `readStates` once applied >= their index;
//   5. call `advance()`.
// No `ready()` may be taken before the previous one is advanced.

import type { RaftConfigInput } from './config.js';
import type { ConfChangeType } from './confchange/conf-change.js';
import { encodeConfChange, type ConfChange } from './confchange/conf-change.js';
import type { ProposalDroppedError } from './errors.js';
import { invariant } from './errors.js';
import { CampaignType, Raft } from './raft.js';
import type { Progress } from './progress/progress.js';
import {
  assertSafeIndex,
  EntryType,
  hardStateEqual,
  isLocalMessage,
  isResponseMessage,
  MessageType,
  newMessage,
  type ConfState,
  type Entry,
  type HardState,
  type Index,
  type Message,
  type NodeId,
  type ReadState,
  type Snapshot,
  type SoftState,
  type StateType,
  type Term,
} from './types.js';

export interface Ready {
  /** Present when leader or role changed. */
  readonly softState?: SoftState;
  /** Present when term, vote or commit changed. */
  readonly hardState?: HardState;
  /** Entries to persist (and overwrite from their first index). */
  readonly entries: Entry[];
  /** A snapshot to persist and apply, received from the leader. */
  readonly snapshot?: Snapshot;
  /** Entries to apply, in order. */
  readonly committedEntries: Entry[];
  /** Messages to send, after persisting. */
  readonly messages: Message[];
  /** Answers to readIndex requests. */
  readonly readStates: ReadState[];
  /** Whether step 1 must fsync: term, vote or entries changed (commit alone need not). */
  readonly mustSync: boolean;
}

export interface Status {
  id: NodeId;
  term: Term;
  vote: NodeId;
  commit: Index;
  applied: Index;
  lastIndex: Index;
  lead: NodeId;
  state: StateType;
  leadTransferee: NodeId;
  confState: ConfState;
  /** Per-member replication progress; only on the leader. */
  progress?: ReadonlyMap<NodeId, Progress>;
}

const emptyBytes = new Uint8Array(0);

export class RawNode {
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private inFlight: Ready | undefined = undefined;

  constructor(config: RaftConfigInput) {
    this.raft = new Raft(config);
    this.prevSoft = this.raft.softState();
    this.prevHard = this.raft.hardState();
  }

  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (tests and tools; the ticking clock does this by itself). */
  campaign(): void {
    this.raft.step(newMessage({ type: MessageType.Hup }));
  }

  /** Proposes one entry. Throws ProposalDroppedError if it can never take effect. */
  propose(data: Uint8Array): void {
    this.proposeBatch([data]);
  }

  /** Proposes several entries in one go (they get consecutive indexes if accepted). */
  proposeBatch(data: readonly Uint8Array[]): void {
    const entries: Entry[] = data.map((d) => ({
      term: 0,
      index: 0,
      type: EntryType.Normal,
      data: d,
    }));
    this.throwIfDropped(
      this.raft.step(newMessage({ type: MessageType.Prop, from: this.raft.id, entries })),
    );
  }

  proposeConfChange(cc: ConfChange): void {
    const entry: Entry = {
      term: 0,
      index: 0,
      type: EntryType.ConfChange,
      data: encodeConfChange(cc),
    };
    this.throwIfDropped(
      this.raft.step(newMessage({ type: MessageType.Prop, from: this.raft.id, entries: [entry] })),
    );
  }

  /** Applies a committed conf change entry; returns the new configuration. */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /**
   * Asks for a linearizable read point: a ReadState with `ctx` arrives in a
   * later Ready. `ctx` must be unique among outstanding requests.
   */
  readIndex(ctx: Uint8Array): void {
    this.throwIfDropped(this.raft.step(newMessage({ type: MessageType.ReadIndex, context: ctx })));
  }

  /** Asks the leader to hand leadership to `to` (thesis §3.10). */
  transferLeader(to: NodeId): void {
    this.throwIfDropped(this.raft.step(newMessage({ type: MessageType.TransferLeader, from: to })));
  }

  /**
   * Steps a message received from a peer. Throws RangeError, without
   * changing any state, for a message no correct peer sends (a local type,
   * or a term or index that is not a non-negative safe integer): the
   * transport drops it and reports the peer.
   */
  step(m: Message): void {
    if (isLocalMessage(m.type)) {
      throw new RangeError(`raft: local message ${MessageType[m.type]} received from the network`);
    }
    assertSafeIndex(m.term, 'message term');
    assertSafeIndex(m.logTerm, 'message log term');
    assertSafeIndex(m.index, 'message index');
    assertSafeIndex(m.commit, 'message commit');
    assertSafeIndex(m.rejectHint, 'message reject hint');
    // Answers from members we no longer know are dropped.
    if (isResponseMessage(m.type) && !this.raft.trk.progress.has(m.from)) return;
    // A dropped forwarded proposal is the proposer's to time out, not ours to report.
    this.raft.step(m);
  }

  /** See Raft.forgetLeader: the leader's connection died. */
  forgetLeader(electionWithinTicks?: number): void {
    this.raft.forgetLeader(electionWithinTicks);
  }

  reportUnreachable(id: NodeId): void {
    this.raft.step(newMessage({ type: MessageType.Unreachable, from: id }));
  }

  /** The transport finished sending a snapshot to `id` (ok), or gave up (not ok). */
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.step(newMessage({ type: MessageType.SnapStatus, from: id, reject: !ok }));
  }

  private throwIfDropped(err: ProposalDroppedError | undefined): void {
    if (err) throw err;
  }

  hasReady(): boolean {
    const r = this.raft;
    const soft = r.softState();
    if (soft.lead !== this.prevSoft.lead || soft.state !== this.prevSoft.state) return true;
    if (!hardStateEqual(r.hardState(), this.prevHard)) return true;
    if (r.raftLog.unstable.snapshot) return true;
    if (r.msgs.length > 0 || r.raftLog.unstableEntries().length > 0) return true;
    if (r.raftLog.hasNextCommittedEnts()) return true;
    return r.readStates.length > 0;
  }

  ready(): Ready {
    invariant(this.inFlight === undefined, 'ready() called before the previous Ready was advanced');
    const r = this.raft;
    const soft = r.softState();
    const hard = r.hardState();
    const entries = r.raftLog.unstableEntries().slice();
    const snapshot = r.raftLog.unstable.snapshot;
    const softChanged = soft.lead !== this.prevSoft.lead || soft.state !== this.prevSoft.state;
    const hardChanged = !hardStateEqual(hard, this.prevHard);
    const rd: Ready = {
      ...(softChanged ? { softState: soft } : {}),
      ...(hardChanged ? { hardState: hard } : {}),
      ...(snapshot ? { snapshot } : {}),
      entries,
      committedEntries: r.raftLog.nextCommittedEnts(),
      messages: r.msgs,
      readStates: r.readStates,
      mustSync:
        entries.length > 0 ||
        snapshot !== undefined ||
        hard.term !== this.prevHard.term ||
        hard.vote !== this.prevHard.vote,
    };
    r.msgs = [];
    r.readStates = [];
    if (softChanged) this.prevSoft = soft;
    if (hardChanged) this.prevHard = hard;
    this.inFlight = rd;
    return rd;
  }

  /** Acknowledges the last Ready: its entries are durable and its committed entries applied. */
  advance(): void {
    const rd = this.inFlight;
    invariant(rd !== undefined, 'advance() without a Ready');
    this.inFlight = undefined;
    const r = this.raft;
    if (rd.snapshot) {
      r.raftLog.stableSnapTo(rd.snapshot.metadata.index);
      r.raftLog.appliedTo(rd.snapshot.metadata.index);
    }
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1]!;
      r.raftLog.stableTo(last.index, last.term);
    }
    if (rd.snapshot || rd.entries.length > 0) r.onPersisted();
    if (rd.committedEntries.length > 0) {
      r.raftLog.appliedTo(rd.committedEntries[rd.committedEntries.length - 1]!.index);
      r.reduceUncommittedSize(rd.committedEntries);
    }
  }

  status(): Status {
    const r = this.raft;
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.raftLog.committed,
      applied: r.raftLog.applied,
      lastIndex: r.raftLog.lastIndex(),
      lead: r.lead,
      state: r.state,
      leadTransferee: r.leadTransferee,
      confState: r.trk.confState(),
      ...(r.state === 'leader' ? { progress: r.trk.progress } : {}),
    };
  }
}

/** A conf change with no context, for callers that need none. */
export function confChange(
  type: ConfChangeType,
  nodeId: NodeId,
  context: Uint8Array = emptyBytes,
): ConfChange {
  return { type, nodeId, context };
}

export { CampaignType };
