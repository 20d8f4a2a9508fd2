// The leader's half of Raft: handling proposals, replication with
// per-follower flow control (§5.3), commit (§5.4.2), heartbeats, check
// quorum (§6.2), ReadIndex (§6.4) and leadership transfer (thesis §3.10).

import { decodeConfChange } from './confchange/conf-change.js';
import { applyChange } from './confchange/apply.js';
import { ProposalDroppedError, SnapshotTemporarilyUnavailableError } from './errors.js';
import { ProgressState } from './progress/progress.js';
import { VoteResult, voteResult } from './quorum/majority.js';
import type { Raft, StepResult } from './raft.js';
import {
  EntryType,
  isEmptySnapshot,
  MessageType,
  newMessage,
  None,
  type Entry,
  type Message,
  type NodeId,
} from './types.js';

/** Advances commit to what a majority has acknowledged, if that entry is of our term. */
function maybeCommit(r: Raft): boolean {
  const mci = r.trk.committed();
  return r.raftLog.maybeCommit(mci, r.term, r.cfg.unsafe.commitEarlierTermByCount === true);
}

/** After commit may have moved: answer reads that waited for it and tell followers. */
export function commitAndBroadcast(r: Raft): boolean {
  if (!maybeCommit(r)) return false;
  releasePendingReadIndexMessages(r);
  bcastAppend(r);
  return true;
}

export function bcastAppend(r: Raft): void {
  for (const id of r.peers) sendAppend(r, id, true);
}

function bcastHeartbeat(r: Raft, ctx: Uint8Array | undefined): void {
  for (const id of r.peers) sendHeartbeat(r, id, ctx);
}

function sendHeartbeat(r: Raft, to: NodeId, ctx: Uint8Array | undefined): void {
  const pr = r.trk.progress.get(to);
  if (!pr) return;
  // Never tell a follower to commit beyond what it is known to have: it may
  // not have those entries yet.
  const commit = Math.min(pr.match, r.raftLog.committed);
  const m = newMessage({ type: MessageType.Heartbeat, to, commit });
  if (ctx) m.context = ctx;
  r.send(m);
}

/**
 * Sends an append (or a snapshot, if the follower's next entry was
 * compacted) unless flow control pauses the follower. Empty appends are sent
 * only when `sendIfEmpty` (to carry commit or probe). Returns whether a
 * message was sent.
 */
export function sendAppend(r: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.trk.progress.get(to);
  if (!pr || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.raftLog.term(prevIndex);
  let ents: Entry[] | undefined;
  if (prevTerm !== undefined && pr.next >= r.raftLog.firstIndex()) {
    ents = r.raftLog.entriesFrom(pr.next, r.cfg.maxMessageBytes);
  }
  if (prevTerm === undefined || ents === undefined) return sendSnapshot(r, to);
  if (ents.length === 0 && !sendIfEmpty) return false;
  r.send(
    newMessage({
      type: MessageType.App,
      to,
      index: prevIndex,
      logTerm: prevTerm,
      entries: ents,
      commit: r.raftLog.committed,
    }),
  );
  if (ents.length > 0) {
    if (pr.state === ProgressState.Replicate) {
      const last = ents[ents.length - 1]!.index;
      let bytes = 0;
      for (const e of ents) bytes += e.data.length;
      pr.optimisticUpdate(last);
      pr.inflights.add(last, bytes);
    } else if (pr.state === ProgressState.Probe) {
      pr.probeSent = true;
    }
  }
  return true;
}

function sendSnapshot(r: Raft, to: NodeId): boolean {
  const pr = r.trk.progress.get(to);
  if (!pr || !pr.recentActive) return false;
  let snapshot;
  try {
    snapshot = r.raftLog.snapshot();
  } catch (e) {
    if (e instanceof SnapshotTemporarilyUnavailableError) return false;
    throw e;
  }
  if (isEmptySnapshot(snapshot)) {
    throw new Error(`need a non-empty snapshot to catch up member ${to.toString(16)}`);
  }
  pr.becomeSnapshot(snapshot.metadata.index);
  r.send(newMessage({ type: MessageType.Snap, to, snapshot }));
  return true;
}

function sendTimeoutNow(r: Raft, to: NodeId): void {
  r.send(newMessage({ type: MessageType.TimeoutNow, to }));
}

function releasePendingReadIndexMessages(r: Raft): void {
  if (r.pendingReadIndexMessages.length === 0 || !r.committedEntryInCurrentTerm()) return;
  const msgs = r.pendingReadIndexMessages;
  r.pendingReadIndexMessages = [];
  for (const m of msgs) sendReadIndexResponse(r, m);
}

/**
 * ReadIndex (§6.4): remember the commit index, then confirm we are still
 * leader by a heartbeat round; the read may be served once a quorum answers.
 */
function sendReadIndexResponse(r: Raft, m: Message): void {
  if (r.cfg.unsafe.readIndexWithoutHeartbeat === true || r.trk.isSingleton()) {
    r.responseToReadIndexReq(m, r.raftLog.committed);
    return;
  }
  r.readOnly.addRequest(r.raftLog.committed, m);
  r.readOnly.recvAck(r.id, m.context);
  bcastHeartbeat(r, m.context);
}

export function stepLeader(r: Raft, m: Message): StepResult {
  switch (m.type) {
    case MessageType.Beat:
      bcastHeartbeat(r, r.readOnly.lastPendingRequestCtx());
      return undefined;
    case MessageType.CheckQuorum:
      if (!r.trk.quorumActive(r.id)) {
        r.cfg.logger.warn(
          { member: r.id.toString(16), term: r.term },
          'raft: stepping down, no quorum heard within an election timeout',
        );
        r.becomeFollower(r.term, None);
        return undefined;
      }
      for (const [id, pr] of r.trk.progress) if (id !== r.id) pr.recentActive = false;
      return undefined;
    case MessageType.Prop:
      return handlePropose(r, m);
    case MessageType.ReadIndex:
      if (!r.committedEntryInCurrentTerm()) {
        // The commit index may be stale until our no-op commits (§6.4 step 1).
        r.pendingReadIndexMessages.push(m);
        return undefined;
      }
      sendReadIndexResponse(r, m);
      return undefined;
    case MessageType.TransferLeader:
      return handleTransferLeader(r, m);
    default:
      break;
  }

  const pr = r.trk.progress.get(m.from);
  if (!pr) return undefined;
  switch (m.type) {
    case MessageType.AppResp:
      pr.recentActive = true;
      if (m.reject) {
        // Skip straight past the follower's conflicting term if it told us one.
        let nextProbe = m.rejectHint;
        if (m.logTerm > 0) nextProbe = r.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index;
        if (pr.maybeDecrTo(m.index, nextProbe)) {
          if (pr.state === ProgressState.Replicate) pr.becomeProbe();
          sendAppend(r, m.from, true);
        }
        return undefined;
      }
      {
        const wasPaused = pr.isPaused();
        const updated = pr.maybeUpdate(m.index);
        if (!updated && !(pr.match === m.index && pr.state === ProgressState.Probe)) {
          return undefined;
        }
        switch (pr.state) {
          case ProgressState.Probe:
            pr.becomeReplicate();
            break;
          case ProgressState.Snapshot:
            if (pr.match + 1 >= r.raftLog.firstIndex()) {
              pr.becomeProbe();
              pr.becomeReplicate();
            }
            break;
          case ProgressState.Replicate:
            pr.inflights.freeLE(m.index);
            break;
        }
        if (!commitAndBroadcast(r) && wasPaused) sendAppend(r, m.from, true);
        // Pipeline: keep sending while the window has room (§5.3 flow control).
        while (sendAppend(r, m.from, false)) {
          /* keep filling the window */
        }
        if (m.from === r.leadTransferee && pr.match === r.raftLog.lastIndex()) {
          sendTimeoutNow(r, m.from);
        }
      }
      return undefined;
    case MessageType.HeartbeatResp: {
      pr.recentActive = true;
      pr.probeSent = false;
      // If every append that filled the window was lost, nothing would ever
      // be acknowledged again: a heartbeat answer frees one slot, so an
      // append goes out and its answer (or rejection) resynchronizes us.
      if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
      // A follower that is behind, or in probe (perhaps after being reported
      // unreachable), gets an append: its answer moves it back to replicate.
      if (pr.match < r.raftLog.lastIndex() || pr.state === ProgressState.Probe) {
        sendAppend(r, m.from, true);
      }
      if (!m.context || m.context.length === 0) return undefined;
      const acks = r.readOnly.recvAck(m.from, m.context);
      if (!acks || voteResult(r.trk.voters, acks) !== VoteResult.Won) return undefined;
      for (const rs of r.readOnly.advance(m.context)) r.responseToReadIndexReq(rs.req, rs.index);
      return undefined;
    }
    case MessageType.SnapStatus:
      if (pr.state !== ProgressState.Snapshot) return undefined;
      if (m.reject) pr.pendingSnapshot = 0;
      pr.becomeProbe();
      // Wait for a heartbeat answer (or the follower's append answer) before probing again.
      pr.probeSent = true;
      return undefined;
    case MessageType.Unreachable:
      if (pr.state === ProgressState.Replicate) pr.becomeProbe();
      return undefined;
    default:
      return undefined;
  }
}

function handlePropose(r: Raft, m: Message): StepResult {
  if (!r.trk.progress.has(r.id)) return new ProposalDroppedError('not-member');
  if (r.leadTransferee !== None) return new ProposalDroppedError('leader-transfer');
  if (r.selfRemovalPending) return new ProposalDroppedError('leader-removing-itself');
  const templates = m.entries;
  let pendingConf = r.pendingConfIndex;
  let removesSelf = false;
  for (let i = 0; i < templates.length; i++) {
    const e = templates[i]!;
    if (e.type !== EntryType.ConfChange) continue;
    let refusal: ProposalDroppedError | undefined;
    if (pendingConf > r.raftLog.applied) {
      refusal = new ProposalDroppedError(
        'conf-change-pending',
        'raft proposal dropped: a previous conf change is not yet applied',
      );
    } else {
      const error = confChangeError(r, e.data);
      if (error !== undefined) {
        refusal = new ProposalDroppedError(
          'invalid-conf-change',
          `raft proposal dropped: ${error}`,
        );
      }
    }
    if (refusal !== undefined) {
      if (m.from === None || m.from === r.id) return refusal;
      // A forwarded change we refuse still takes its slot as a no-op, as
      // etcd does, so the log stays one proposal per request.
      templates[i] = { term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array(0) };
    } else {
      pendingConf = r.raftLog.lastIndex() + i + 1;
      removesSelf ||= removesMember(r, e.data);
    }
  }
  if (!r.appendEntries(templates)) return new ProposalDroppedError('uncommitted-limit');
  r.pendingConfIndex = pendingConf;
  r.selfRemovalPending ||= removesSelf;
  bcastAppend(r);
  return undefined;
}

/** Whether the (valid) conf change in `data` takes the leader out of the voters. */
export function removesMember(r: Raft, data: Uint8Array): boolean {
  const outcome = applyChange(r.trk, decodeConfChange(data));
  return outcome.ok && !outcome.voters.has(r.id);
}

function confChangeError(r: Raft, data: Uint8Array): string | undefined {
  try {
    const outcome = applyChange(r.trk, decodeConfChange(data));
    return outcome.ok ? undefined : outcome.error;
  } catch (e) {
    return e instanceof RangeError ? e.message : String(e);
  }
}

function handleTransferLeader(r: Raft, m: Message): StepResult {
  const transferee = m.from;
  const pr = r.trk.progress.get(transferee);
  if (!pr || pr.isLearner) return new ProposalDroppedError('not-member');
  if (r.leadTransferee !== None) {
    if (r.leadTransferee === transferee) return undefined; // already in progress
    r.abortLeaderTransfer();
  }
  if (transferee === r.id) return undefined; // already leader
  // The transfer must finish within one election timeout.
  r.electionElapsed = 0;
  r.leadTransferee = transferee;
  if (pr.match === r.raftLog.lastIndex()) sendTimeoutNow(r, transferee);
  else sendAppend(r, transferee, true);
  return undefined;
}
