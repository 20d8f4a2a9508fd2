// Linearizable reads (Raft §6.4 through the core's ReadIndex). Reads that
// arrive while a round is in flight wait for the next round — a read may
// only use a read index obtained after it arrived — so one heartbeat round
// serves every read that queued behind it. A round that gets no answer (the
// leader changed, the message was lost) is asked again.

import { etcdError } from '../errors.js';
import { ProposalDroppedError, type Index, type ReadState } from '../raft/index.js';

interface Reader {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export interface ReadIndexHost {
  /** Asks the Raft node for a read index; throws ProposalDroppedError when there is no leader. */
  readIndex(ctx: Uint8Array): void;
  appliedIndex(): Index;
}

export class ReadIndexer {
  private seq = 0;
  /** Readers that arrived after the current round was sent. */
  private queued: Reader[] = [];
  /** The round in flight: its context and readers. */
  private inflight: { ctx: string; readers: Reader[]; sentAt: number } | undefined;
  /** Rounds answered, waiting for the applied index to reach their index. */
  private waitingApply: { index: Index; readers: Reader[] }[] = [];

  /**
   * `ctxPrefix` makes contexts unique across members: the leader keys
   * pending reads by context, so two followers' "r1" would otherwise merge.
   */
  constructor(
    private readonly host: ReadIndexHost,
    private readonly retryAfterMs: number,
    private readonly ctxPrefix: string,
  ) {}

  /** Resolves once local state reflects every write committed before the call. */
  barrier(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ resolve, reject });
      if (!this.inflight) this.sendRound();
    });
  }

  private sendRound(): void {
    if (this.queued.length === 0) return;
    const readers = this.queued;
    this.queued = [];
    const ctx = `${this.ctxPrefix}:${++this.seq}`;
    this.inflight = { ctx, readers, sentAt: Date.now() };
    this.ask(ctx, readers);
  }

  private ask(ctx: string, readers: Reader[]): void {
    try {
      this.host.readIndex(new TextEncoder().encode(ctx));
    } catch (e) {
      this.inflight = undefined;
      const err = e instanceof ProposalDroppedError ? etcdError('NoLeader') : e;
      for (const r of readers) r.reject(err);
      this.sendRound();
    }
  }

  /** Call with every Ready's read states. */
  onReadStates(states: readonly ReadState[]): void {
    for (const rs of states) {
      const cur = this.inflight;
      if (!cur || new TextDecoder().decode(rs.requestCtx) !== cur.ctx) continue;
      this.inflight = undefined;
      this.waitingApply.push({ index: rs.index, readers: cur.readers });
      this.sendRound();
    }
    this.onApplied(this.host.appliedIndex());
  }

  /** Call whenever the applied index moves. */
  onApplied(applied: Index): void {
    if (this.waitingApply.length === 0) return;
    const still: typeof this.waitingApply = [];
    for (const w of this.waitingApply) {
      if (w.index <= applied) for (const r of w.readers) r.resolve();
      else still.push(w);
    }
    this.waitingApply = still;
  }

  /** Call on every tick: re-asks a round that went unanswered. */
  onTick(now: number): void {
    const cur = this.inflight;
    if (cur && now - cur.sentAt >= this.retryAfterMs) {
      cur.sentAt = now;
      this.ask(cur.ctx, cur.readers);
    }
  }

  rejectAll(err: unknown): void {
    const all = [
      ...this.queued,
      ...(this.inflight?.readers ?? []),
      ...this.waitingApply.flatMap((w) => w.readers),
    ];
    this.queued = [];
    this.inflight = undefined;
    this.waitingApply = [];
    for (const r of all) r.reject(err);
  }
}
