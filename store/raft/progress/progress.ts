// The leader's view of one follower (§5.3 nextIndex/matchIndex), plus the
// flow-control state that decides how entries are sent to it:
//   probe     — we do not know where its log ends: one append per heartbeat
//               interval until one is acknowledged;
//   replicate — it is keeping up: pipeline appends, optimistically advancing
//               `next`, bounded by the inflights window;
//   snapshot  — its next entry was compacted: a snapshot is in flight, send
//               nothing else until it is reported done.

import type { Inflights } from './inflights.js';
import type { Index } from '../types.js';

export enum ProgressState {
  Probe = 'probe',
  Replicate = 'replicate',
  Snapshot = 'snapshot',
}

export class Progress {
  /** Highest index known to be replicated on the follower. */
  match: Index;
  /** Next index to send. Invariant: match < next. */
  next: Index;
  state: ProgressState = ProgressState.Probe;
  /** Index of the snapshot in flight (snapshot state only). */
  pendingSnapshot: Index = 0;
  /** Heard from within the current election timeout (check quorum). */
  recentActive = false;
  /** In probe state: an append is in flight, wait for its answer or a heartbeat. */
  probeSent = false;
  readonly inflights: Inflights;
  isLearner: boolean;

  constructor(match: Index, next: Index, inflights: Inflights, isLearner: boolean) {
    this.match = match;
    this.next = next;
    this.inflights = inflights;
    this.isLearner = isLearner;
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, resume from what the snapshot covered at least.
    if (this.state === ProgressState.Snapshot) {
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.Probe);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.Probe);
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: Index): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** The follower acknowledged up to n. Returns whether match moved. */
  maybeUpdate(n: Index): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** Replicate state: entries up to n are on their way. */
  optimisticUpdate(n: Index): void {
    this.next = n + 1;
  }

  /**
   * The follower rejected an append at `rejected`; `matchHint` is where its
   * log may match. Returns false if the rejection is stale (out of order).
   */
  maybeDecrTo(rejected: Index, matchHint: Index): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // Out of order, or below what it already acknowledged (a follower that
    // lost acknowledged entries must not make us re-probe the same index forever).
    if (this.next - 1 !== rejected || rejected <= this.match) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Whether sending appends to this follower is throttled. */
  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflights.full();
      case ProgressState.Snapshot:
        return true;
    }
  }
}
