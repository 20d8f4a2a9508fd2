// The Raft state machine of one member: terms, elections (with PreVote and
// CheckQuorum), and the follower and candidate halves of replication. The
// leader's half lives in leader.ts. Synchronous and deterministic: it reads
// Storage, and everything it wants done comes out through `msgs`,
// `readStates` and the log (see RawNode.ready).
//
// Section numbers refer to the Raft paper (Ongaro & Ousterhout, 2014) and
// the Raft thesis (Ongaro, 2014) where marked "thesis".

import { validateConfig, type RaftConfig, type RaftConfigInput } from './config.js';
import { applyChange } from './confchange/apply.js';
import type { ConfChange } from './confchange/conf-change.js';
import { invariant, ProposalDroppedError } from './errors.js';
import {
  bcastAppend,
  commitAndBroadcast,
  removesMember,
  sendAppend,
  stepLeader,
} from './leader.js';
import { RaftLog } from './log.js';
import { compareIds, ProgressTracker } from './progress/tracker.js';
import { VoteResult } from './quorum/majority.js';
import { ReadOnly } from './read-only.js';
import {
  EntryType,
  hardStateEqual,
  emptyHardState,
  newMessage,
  None,
  MessageType,
  payloadSizeBytes,
  StateType,
  type ConfState,
  type Entry,
  type HardState,
  type Index,
  type Message,
  type NodeId,
  type ReadState,
  type Snapshot,
  type SoftState,
  type Term,
} from './types.js';

export enum CampaignType {
  /** The first phase of an election when PreVote is on (thesis §9.6). */
  PreElection = 'pre-election',
  Election = 'election',
  /** An election forced by TimeoutNow during a leadership transfer (thesis §3.10). */
  Transfer = 'transfer',
}

/** Marks a Vote sent during leadership transfer: voters must not ignore it because of a leader lease. */
export const campaignTransferContext = new TextEncoder().encode('CampaignTransfer');

function isCampaignTransfer(ctx: Uint8Array | undefined): boolean {
  if (!ctx || ctx.length !== campaignTransferContext.length) return false;
  for (let i = 0; i < ctx.length; i++) if (ctx[i] !== campaignTransferContext[i]) return false;
  return true;
}

function voteRespType(t: MessageType): MessageType {
  return t === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
}

export type StepResult = ProposalDroppedError | undefined;

export class Raft {
  readonly cfg: RaftConfig;
  readonly id: NodeId;
  term: Term = 0;
  vote: NodeId = None;
  readonly raftLog: RaftLog;
  readonly trk: ProgressTracker;
  state: StateType = StateType.Follower;
  isLearner = false;
  lead: NodeId = None;
  /** Outgoing messages, drained by RawNode.ready(). */
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  /** Target of a leadership transfer in progress (thesis §3.10). */
  leadTransferee: NodeId = None;
  /** No new conf change may be proposed until this index is applied. */
  pendingConfIndex: Index = 0;
  /**
   * This leader has appended a change that removes it from the voters. It
   * accepts no more proposals, so its log ends at that change: the remaining
   * voters are then as up to date as it is, and it can vote for one of them
   * (otherwise a two-voter cluster could wait forever for its vote).
   */
  selfRemovalPending = false;
  /** Payload bytes appended by this leader but not yet committed. */
  uncommittedSize = 0;
  readonly readOnly = new ReadOnly();
  /** Read requests that wait for the leader's first commit in its term (§6.4). */
  pendingReadIndexMessages: Message[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Every member but this one, sorted: the deterministic broadcast order. */
  peers: NodeId[] = [];

  constructor(input: RaftConfigInput) {
    this.cfg = validateConfig(input);
    this.id = this.cfg.id;
    this.raftLog = new RaftLog(this.cfg.storage, this.cfg.maxCommittedBytesPerReady);
    this.trk = new ProgressTracker(this.cfg.maxInflightMessages, this.cfg.maxInflightBytes);
    const { hardState, confState } = this.cfg.storage.initialState();
    this.restoreConfState(confState);
    if (!hardStateEqual(hardState, emptyHardState)) this.loadState(hardState);
    if (this.cfg.appliedIndex > 0) {
      this.raftLog.appliedTo(Math.min(this.cfg.appliedIndex, this.raftLog.committed));
    }
    this.becomeFollower(this.term, None);
    this.cfg.logger.info(
      {
        member: this.id.toString(16),
        term: this.term,
        commit: this.raftLog.committed,
        applied: this.raftLog.applied,
        lastIndex: this.raftLog.lastIndex(),
        voters: confState.voters.map((v) => v.toString(16)),
      },
      'raft: new member',
    );
  }

  private loadState(hs: HardState): void {
    invariant(
      hs.commit >= this.raftLog.committed && hs.commit <= this.raftLog.lastIndex(),
      `hard state commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`,
    );
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  softState(): SoftState {
    return { lead: this.lead, state: this.state };
  }

  // ---- sending ----

  send(m: Message): void {
    if (m.from === None) m.from = this.id;
    if (
      m.type === MessageType.Vote ||
      m.type === MessageType.VoteResp ||
      m.type === MessageType.PreVote ||
      m.type === MessageType.PreVoteResp
    ) {
      // Election messages carry the term they are about, set by the caller.
      invariant(m.term !== 0, `term should be set when sending ${MessageType[m.type]}`);
    } else {
      invariant(m.term === 0, `term should not be set when sending ${MessageType[m.type]}`);
      // Proposals and read requests forwarded to the leader travel as local
      // messages (term 0); everything else carries our term.
      if (m.type !== MessageType.Prop && m.type !== MessageType.ReadIndex) m.term = this.term;
    }
    this.msgs.push(m);
  }

  // ---- time ----

  tick(): void {
    if (this.state === StateType.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(newMessage({ type: MessageType.Hup, from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTimeoutTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) {
        this.step(newMessage({ type: MessageType.CheckQuorum, from: this.id }));
      }
      // A transfer that did not finish within an election timeout is aborted (thesis §3.10).
      if (this.state === StateType.Leader && this.leadTransferee !== None) {
        this.abortLeaderTransfer();
      }
    }
    if (this.state !== StateType.Leader) return;
    if (this.heartbeatElapsed >= this.cfg.heartbeatIntervalTicks) {
      this.heartbeatElapsed = 0;
      this.step(newMessage({ type: MessageType.Beat, from: this.id }));
    }
  }

  private resetRandomizedElectionTimeout(): void {
    const et = this.cfg.electionTimeoutTicks;
    this.randomizedElectionTimeout = et + this.cfg.random.int(et);
  }

  // ---- state transitions ----

  private reset(term: Term): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = None;
    }
    this.lead = None;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.trk.resetVotes();
    const last = this.raftLog.lastIndex();
    for (const [id, old] of this.trk.progress) {
      const pr = this.trk.newProgress(0, last + 1, old.isLearner);
      // The leader counts itself only for entries it has persisted.
      if (id === this.id) pr.match = this.raftLog.persistedLastIndex();
      this.trk.progress.set(id, pr);
    }
    this.pendingConfIndex = 0;
    this.selfRemovalPending = false;
    this.uncommittedSize = 0;
    this.readOnly.reset();
    this.pendingReadIndexMessages = [];
  }

  becomeFollower(term: Term, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.state = StateType.Follower;
    this.cfg.logger.debug(
      { member: this.id.toString(16), term, lead: lead.toString(16) },
      'raft: became follower',
    );
  }

  private becomeCandidate(): void {
    invariant(this.state !== StateType.Leader, 'invalid transition [leader -> candidate]');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = StateType.Candidate;
    this.cfg.logger.debug(
      { member: this.id.toString(16), term: this.term },
      'raft: became candidate',
    );
  }

  private becomePreCandidate(): void {
    invariant(this.state !== StateType.Leader, 'invalid transition [leader -> pre-candidate]');
    // A pre-candidate changes neither its term nor its vote (thesis §9.6).
    this.trk.resetVotes();
    this.lead = None;
    this.state = StateType.PreCandidate;
  }

  becomeLeader(): void {
    invariant(this.state !== StateType.Follower, 'invalid transition [follower -> leader]');
    this.reset(this.term);
    this.lead = this.id;
    this.state = StateType.Leader;
    this.trk.progress.get(this.id)?.becomeReplicate();
    // A new leader commits a no-op of its term: this commits everything
    // before it (§5.4.2) and lets ReadIndex start (§8).
    const ok = this.appendEntries([{ type: EntryType.Normal, data: new Uint8Array(0) }]);
    invariant(ok, 'empty entry was dropped');
    // No conf change until our no-op is applied: a leader changes membership
    // only after committing an entry of its own term (thesis §4.1 errata).
    this.pendingConfIndex = this.raftLog.lastIndex();
    this.selfRemovalPending = this.unappliedEntries().some(
      (e) => e.type === EntryType.ConfChange && removesMember(this, e.data),
    );
    this.cfg.logger.info(
      { member: this.id.toString(16), term: this.term, index: this.raftLog.lastIndex() },
      'raft: became leader',
    );
  }

  /** Whether this member may campaign: a voter with no snapshot pending. */
  promotable(): boolean {
    const pr = this.trk.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && this.raftLog.unstable.snapshot === undefined;
  }

  // ---- elections ----

  private hup(t: CampaignType): void {
    if (this.state === StateType.Leader) return;
    if (!this.promotable()) {
      this.cfg.logger.warn(
        { member: this.id.toString(16) },
        'raft: not promotable, cannot campaign',
      );
      return;
    }
    if (this.hasUnappliedConfChange()) {
      this.cfg.logger.warn(
        { member: this.id.toString(16), term: this.term },
        'raft: cannot campaign while a committed conf change is unapplied',
      );
      return;
    }
    this.campaign(t);
  }

  private hasUnappliedConfChange(): boolean {
    return this.unappliedEntries(this.raftLog.committed).some(
      (e) => e.type === EntryType.ConfChange,
    );
  }

  /** Entries after the applied index, up to `hi` (default: the whole log). */
  private unappliedEntries(hi = this.raftLog.lastIndex()): Entry[] {
    const lo = Math.max(this.raftLog.applied + 1, this.raftLog.firstIndex());
    if (lo > hi) return [];
    return this.raftLog.slice(lo, hi + 1, Number.MAX_SAFE_INTEGER);
  }

  campaign(t: CampaignType): void {
    if (!this.promotable()) return;
    let voteMsg: MessageType;
    let term: Term;
    if (t === CampaignType.PreElection) {
      this.becomePreCandidate();
      voteMsg = MessageType.PreVote;
      // Ask about the term we would use, without moving to it.
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteMsg = MessageType.Vote;
      term = this.term;
    }
    // Our own vote first: in a single-voter cluster it decides the election.
    if (this.poll(this.id, true) === VoteResult.Won) {
      if (t === CampaignType.PreElection) this.campaign(CampaignType.Election);
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.raftLog.lastIndex();
    const lastTerm = this.raftLog.lastTerm();
    for (const id of this.trk.sortedVoters()) {
      if (id === this.id) continue;
      const m = newMessage({ type: voteMsg, to: id, term, index: lastIndex, logTerm: lastTerm });
      if (t === CampaignType.Transfer) m.context = campaignTransferContext;
      this.send(m);
    }
  }

  private poll(id: NodeId, granted: boolean): VoteResult {
    this.trk.recordVote(id, granted);
    return this.trk.voteResult();
  }

  // ---- the message entry point ----

  step(m: Message): StepResult {
    if (m.term === 0) {
      // local message
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const force = isCampaignTransfer(m.context);
        const inLease =
          this.cfg.checkQuorum &&
          this.lead !== None &&
          this.electionElapsed < this.cfg.electionTimeoutTicks;
        // We heard from a live leader within the minimum election timeout:
        // ignore the (pre)vote, so a removed or partitioned member cannot
        // depose a working leader (thesis §4.2.3).
        if (!force && inLease) return undefined;
      }
      if (m.type === MessageType.PreVote) {
        // Never change our term in answer to a pre-vote.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // A granted pre-vote carries the future term; the term moves when the real election starts.
      } else if (
        m.type === MessageType.App ||
        m.type === MessageType.Heartbeat ||
        m.type === MessageType.Snap
      ) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, None);
      }
    } else if (m.term < this.term) {
      if (
        (this.cfg.checkQuorum || this.cfg.preVote) &&
        (m.type === MessageType.Heartbeat || m.type === MessageType.App)
      ) {
        // A stale leader (perhaps just healed from a partition) would never
        // learn of our term, because with PreVote/CheckQuorum we do not
        // campaign against it; answer so it steps down.
        this.send(newMessage({ type: MessageType.AppResp, to: m.from }));
      } else if (m.type === MessageType.PreVote) {
        this.send(
          newMessage({ type: MessageType.PreVoteResp, to: m.from, term: this.term, reject: true }),
        );
      }
      return undefined;
    }

    switch (m.type) {
      case MessageType.Hup:
        this.hup(this.cfg.preVote ? CampaignType.PreElection : CampaignType.Election);
        return undefined;
      case MessageType.Vote:
      case MessageType.PreVote:
        this.handleVoteRequest(m);
        return undefined;
      default:
        switch (this.state) {
          case StateType.Leader:
            return stepLeader(this, m);
          case StateType.Candidate:
          case StateType.PreCandidate:
            return this.stepCandidate(m);
          case StateType.Follower:
            return this.stepFollower(m);
        }
    }
  }

  private handleVoteRequest(m: Message): void {
    // We can vote if this is a repeat of a vote we already cast, or we have
    // not voted and know no leader in this term, or it is a pre-vote for a
    // future term (§5.2, thesis §9.6).
    const canVote =
      this.vote === m.from ||
      (this.vote === None && this.lead === None) ||
      (m.type === MessageType.PreVote && m.term > this.term);
    const upToDate =
      this.cfg.unsafe.voteWithoutLogCheck === true || this.raftLog.isUpToDate(m.index, m.logTerm);
    if (canVote && upToDate) {
      // A granted vote is sent with the request's term: for a pre-vote that
      // is a future term, which the candidate recognizes.
      this.send(newMessage({ type: voteRespType(m.type), to: m.from, term: m.term }));
      if (m.type === MessageType.Vote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send(
        newMessage({ type: voteRespType(m.type), to: m.from, term: this.term, reject: true }),
      );
    }
  }

  private stepCandidate(m: Message): StepResult {
    const myVoteResp =
      this.state === StateType.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
    switch (m.type) {
      case MessageType.Prop:
        return new ProposalDroppedError('no-leader');
      case MessageType.ReadIndex:
      case MessageType.TransferLeader:
        return new ProposalDroppedError('no-leader');
      case MessageType.App:
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return undefined;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return undefined;
      case MessageType.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return undefined;
      case myVoteResp: {
        const result = this.poll(m.from, !m.reject);
        if (result === VoteResult.Won) {
          if (this.state === StateType.PreCandidate) {
            this.campaign(CampaignType.Election);
          } else {
            this.becomeLeader();
            bcastAppend(this);
          }
        } else if (result === VoteResult.Lost) {
          // A rejected pre-vote or vote at our own term: wait for the next timeout.
          this.becomeFollower(this.term, None);
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  private stepFollower(m: Message): StepResult {
    switch (m.type) {
      case MessageType.Prop:
        if (this.lead === None) return new ProposalDroppedError('no-leader');
        // A proposal a peer forwarded while we led, reaching us after we
        // stopped: a second hop would need the wire to carry the original
        // sender (capstan's peer streams name only their own end), so drop
        // it; its proposer times out and retries, as after any lost message.
        if (this.fromPeer(m)) return new ProposalDroppedError('not-leader');
        if (this.cfg.disableProposalForwarding) {
          return new ProposalDroppedError('forwarding-disabled');
        }
        m.to = this.lead;
        this.send(m);
        return undefined;
      case MessageType.App:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return undefined;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return undefined;
      case MessageType.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return undefined;
      case MessageType.TransferLeader:
        if (this.lead === None) return new ProposalDroppedError('no-leader');
        m.to = this.lead;
        this.send(m);
        return undefined;
      case MessageType.TimeoutNow:
        // The leader chose us as its successor: campaign now, skipping the
        // pre-vote, with a vote that overrides leader leases (thesis §3.10).
        this.hup(CampaignType.Transfer);
        return undefined;
      case MessageType.ReadIndex:
        if (this.lead === None) return new ProposalDroppedError('no-leader');
        // Forwarded to us by a peer while we led (see Prop): the answer of a
        // second hop would go to us, not to the member that asked.
        if (this.fromPeer(m)) return new ProposalDroppedError('not-leader');
        m.to = this.lead;
        this.send(m);
        return undefined;
      case MessageType.ReadIndexResp:
        this.readStates.push({ index: m.index, requestCtx: m.context ?? new Uint8Array(0) });
        return undefined;
      default:
        return undefined;
    }
  }

  /** A proposal or read request that a peer sent us, not one made here. */
  private fromPeer(m: Message): boolean {
    return m.from !== None && m.from !== this.id;
  }

  // ---- the follower side of replication ----

  private handleAppendEntries(m: Message): void {
    if (m.index < this.raftLog.committed) {
      // Everything up to our commit is known to match: tell the leader where we are.
      this.send(
        newMessage({ type: MessageType.AppResp, to: m.from, index: this.raftLog.committed }),
      );
      return;
    }
    const lastNew = this.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send(newMessage({ type: MessageType.AppResp, to: m.from, index: lastNew }));
      return;
    }
    // Mismatch at m.index: hint the largest index whose term is <= the
    // leader's term there, so the leader skips a whole term per round trip.
    const hint = this.raftLog.findConflictByTerm(
      Math.min(m.index, this.raftLog.lastIndex()),
      m.logTerm,
    );
    this.send(
      newMessage({
        type: MessageType.AppResp,
        to: m.from,
        index: m.index,
        reject: true,
        rejectHint: hint.index,
        logTerm: hint.term,
      }),
    );
  }

  private handleHeartbeat(m: Message): void {
    this.raftLog.commitTo(m.commit);
    const resp = newMessage({ type: MessageType.HeartbeatResp, to: m.from });
    if (m.context) resp.context = m.context;
    this.send(resp);
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    if (s && this.restore(s)) {
      this.send(
        newMessage({ type: MessageType.AppResp, to: m.from, index: this.raftLog.lastIndex() }),
      );
    } else {
      this.send(
        newMessage({ type: MessageType.AppResp, to: m.from, index: this.raftLog.committed }),
      );
    }
  }

  /**
   * Installs a snapshot from the leader (§7). If our log already holds the
   * snapshot's last entry, the entries after it are kept and only commit
   * moves; otherwise the whole log is replaced. Returns whether it installed.
   */
  restore(s: Snapshot): boolean {
    const { index, term, confState } = s.metadata;
    if (index <= this.raftLog.committed) return false;
    if (this.state !== StateType.Follower) {
      // Only a follower receives snapshots; be defensive rather than diverge.
      this.becomeFollower(this.term + 1, None);
      return false;
    }
    // A snapshot whose configuration lacks us is fine: it predates our
    // addition, which we then learn from the entries after it. (Were we a
    // member already, we would have applied our addition, so our commit
    // would be past this snapshot and it would have been ignored above.)
    if (this.raftLog.matchTerm(index, term)) {
      this.raftLog.commitTo(index);
      return false;
    }
    this.raftLog.restore(s);
    this.restoreConfState(confState);
    return true;
  }

  // ---- configuration ----

  private restoreConfState(cs: ConfState): void {
    this.trk.voters.clear();
    this.trk.learners.clear();
    this.trk.progress.clear();
    for (const v of cs.voters) this.trk.voters.add(v);
    for (const l of cs.learners) this.trk.learners.add(l);
    const next = this.raftLog.lastIndex() + 1;
    for (const id of [...cs.voters, ...cs.learners]) {
      const pr = this.trk.newProgress(0, next, this.trk.learners.has(id));
      pr.recentActive = true;
      this.trk.progress.set(id, pr);
    }
    this.afterConfigChange();
  }

  private afterConfigChange(): void {
    this.isLearner = this.trk.learners.has(this.id);
    this.peers = [...this.trk.progress.keys()].filter((id) => id !== this.id).sort(compareIds);
  }

  /** Applies a committed membership change (see confchange/conf-change.ts for why this is safe). */
  applyConfChange(cc: ConfChange): ConfState {
    const outcome = applyChange(this.trk, cc);
    if (!outcome.ok) {
      this.cfg.logger.warn(
        { member: this.id.toString(16), error: outcome.error },
        'raft: conf change refused',
      );
      return this.trk.confState();
    }
    const last = this.raftLog.lastIndex();
    for (const id of [...this.trk.progress.keys()]) {
      if (!outcome.voters.has(id) && !outcome.learners.has(id)) this.trk.progress.delete(id);
    }
    for (const id of [...outcome.voters, ...outcome.learners]) {
      const isLearner = outcome.learners.has(id);
      let pr = this.trk.progress.get(id);
      if (!pr) {
        // Probe from our last index; count it active so check quorum gives it a chance.
        pr = this.trk.newProgress(0, Math.max(last, 1), isLearner);
        pr.recentActive = true;
        this.trk.progress.set(id, pr);
      }
      pr.isLearner = isLearner;
    }
    this.trk.voters.clear();
    this.trk.learners.clear();
    for (const v of outcome.voters) this.trk.voters.add(v);
    for (const l of outcome.learners) this.trk.learners.add(l);
    this.afterConfigChange();

    if (this.state === StateType.Leader) {
      if (!this.trk.voters.has(this.id)) {
        // A leader that removed (or demoted) itself steps down once the change
        // is committed and applied; the rest of the cluster elects a successor.
        this.becomeFollower(this.term, None);
      } else {
        if (this.leadTransferee !== None && !this.trk.voters.has(this.leadTransferee)) {
          this.abortLeaderTransfer();
        }
        // The quorum changed: commit may move, and new members need probing.
        if (!commitAndBroadcast(this)) for (const id of this.peers) sendAppend(this, id, false);
      }
    }
    return this.trk.confState();
  }

  // ---- proposals ----

  /**
   * Appends entries as leader, assigning term and index. Refuses (returns
   * false) past the uncommitted-bytes bound, except into an empty pipeline so
   * that one large entry can always make progress.
   */
  appendEntries(templates: readonly Pick<Entry, 'type' | 'data'>[]): boolean {
    const li = this.raftLog.lastIndex();
    const ents: Entry[] = new Array<Entry>(templates.length);
    for (let i = 0; i < templates.length; i++) {
      const t = templates[i]!;
      ents[i] = { term: this.term, index: li + 1 + i, type: t.type, data: t.data };
    }
    const size = payloadSizeBytes(ents);
    if (
      this.uncommittedSize > 0 &&
      size > 0 &&
      this.uncommittedSize + size > this.cfg.maxUncommittedEntriesBytes
    ) {
      return false;
    }
    this.uncommittedSize += size;
    this.raftLog.append(ents);
    return true;
  }

  reduceUncommittedSize(ents: readonly Entry[]): void {
    if (this.uncommittedSize === 0) return;
    const s = payloadSizeBytes(ents);
    // Entries of a previous term may be committed here too; never go below zero.
    this.uncommittedSize = s > this.uncommittedSize ? 0 : this.uncommittedSize - s;
  }

  /**
   * A follower drops its belief in the current leader (etcd-io/raft's
   * ForgetLeader), without changing term or campaigning: with PreVote and
   * CheckQuorum it will then grant pre-votes to others again. The driver
   * calls it when the leader's connection died; if the leader is in fact
   * alive, its next heartbeat restores it and nothing else changes.
   * `electionWithinTicks`, if given, brings this follower's own election
   * timeout that close.
   */
  forgetLeader(electionWithinTicks?: number): void {
    if (this.state !== StateType.Follower || this.lead === None) return;
    this.lead = None;
    if (electionWithinTicks !== undefined) {
      this.electionElapsed = Math.max(
        this.electionElapsed,
        this.randomizedElectionTimeout - electionWithinTicks,
      );
    }
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = None;
  }

  committedEntryInCurrentTerm(): boolean {
    return this.raftLog.term(this.raftLog.committed) === this.term;
  }

  /** Answers a read request with `index`: locally, or to the follower that forwarded it. */
  responseToReadIndexReq(req: Message, index: Index): void {
    if (req.from === None || req.from === this.id) {
      this.readStates.push({ index, requestCtx: req.context ?? new Uint8Array(0) });
      return;
    }
    const resp = newMessage({ type: MessageType.ReadIndexResp, to: req.from, index });
    if (req.context) resp.context = req.context;
    this.send(resp);
  }

  /** Called by RawNode.advance once entries up to the log's persisted index are durable. */
  onPersisted(): void {
    if (this.state !== StateType.Leader) return;
    const pr = this.trk.progress.get(this.id);
    if (pr && pr.maybeUpdate(this.raftLog.persistedLastIndex())) commitAndBroadcast(this);
  }
}
