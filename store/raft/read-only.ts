// ReadIndex bookkeeping at the leader (§6.4): each read request records the
// commit index when it arrived and waits for a quorum to acknowledge a
// heartbeat carrying its context. Once acknowledged, that request and every
// one queued before it are answered with their recorded index.

import type { Index, Message, NodeId } from './types.js';

interface ReadIndexStatus {
  readonly req: Message;
  readonly index: Index;
  readonly acks: Map<NodeId, boolean>;
}

function ctxKey(ctx: Uint8Array | undefined): string {
  if (!ctx || ctx.length === 0) return '';
  let s = '';
  for (let i = 0; i < ctx.length; i++) s += String.fromCharCode(ctx[i]!);
  return s;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  /** Records a read request `req` that may be answered with `index`. */
  addRequest(index: Index, req: Message): void {
    const key = ctxKey(req.context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { req, index, acks: new Map() });
    this.queue.push(key);
  }

  /** Records a heartbeat acknowledgement; returns the acks collected for that context. */
  recvAck(from: NodeId, ctx: Uint8Array | undefined): ReadonlyMap<NodeId, boolean> | undefined {
    const rs = this.pending.get(ctxKey(ctx));
    if (!rs) return undefined;
    rs.acks.set(from, true);
    return rs.acks;
  }

  /** Dequeues the request with `ctx` and every request before it. */
  advance(ctx: Uint8Array | undefined): { req: Message; index: Index }[] {
    const key = ctxKey(ctx);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    const out: { req: Message; index: Index }[] = [];
    for (const k of done) {
      const rs = this.pending.get(k);
      if (rs) out.push({ req: rs.req, index: rs.index });
      this.pending.delete(k);
    }
    return out;
  }

  /** The context of the newest pending request, to piggyback on heartbeats. */
  lastPendingRequestCtx(): Uint8Array | undefined {
    const last = this.queue[this.queue.length - 1];
    return last === undefined ? undefined : this.pending.get(last)?.req.context;
  }

  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}
