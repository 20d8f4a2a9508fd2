// A synchronous test cluster for scenario tests: every member runs the
// RawNode contract faithfully on MemoryStorage (persist, then send, then
// apply, then advance), and messages are delivered breadth-first until the
// cluster is quiet, unless a filter drops them. Time moves only when a test
// ticks a member.

import {
  bootstrapMemoryStorage,
  decodeConfChange,
  EntryType,
  MemoryStorage,
  RawNode,
  SeededRandom,
  StateType,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type MessageType,
  type NodeId,
  type RaftConfigInput,
  type ReadState,
  type Term,
} from '../../../store/raft/index.js';

export interface Member {
  id: NodeId;
  node: RawNode;
  storage: MemoryStorage;
  applied: Entry[];
  readStates: ReadState[];
  confState: ConfState;
}

export type MessageFilter = (m: Message) => boolean;

/** Messages kept back by `Harness.hold`, delivered by `release()`. */
export interface HeldMessages {
  readonly messages: Message[];
  /** Stops holding and delivers what was held, in order. */
  release(): void;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of `s`, for payloads and read contexts. */
export function bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * A storage that starts from the bootstrap snapshot (index 1, term 1) and
 * holds entries at indexes 2, 3, ... with the given terms, as if an earlier
 * history had left them there. Lets a test lay out logs like the paper's
 * Figure 7 directly.
 */
export function storageWithLog(
  voters: NodeId[],
  terms: Term[],
  hardState: HardState,
): MemoryStorage {
  const st = new MemoryStorage();
  bootstrapMemoryStorage(st, voters);
  st.append(
    terms.map((term, i) => ({
      term,
      index: i + 2,
      type: EntryType.Normal,
      data: bytes(`${i + 2}@${term}`),
    })),
  );
  st.setHardState(hardState);
  return st;
}

export type MemberOptions = Partial<Omit<RaftConfigInput, 'id' | 'storage' | 'random'>>;

export class Harness {
  readonly members = new Map<NodeId, Member>();
  /** Messages for which a filter returns true are dropped. */
  readonly filters: MessageFilter[] = [];
  /** Every message delivered, for tests that assert on traffic. */
  readonly delivered: Message[] = [];
  /** Called after a member applies each committed entry (the driver's apply step). */
  onApply: ((member: Member, entry: Entry) => void) | undefined = undefined;
  private readonly seed: number;

  constructor(
    ids: NodeId[],
    readonly options: MemberOptions = {},
    seed = 1,
  ) {
    this.seed = seed;
    for (const id of ids) this.add(id, ids);
  }

  /** Adds a member; with `voters`, it bootstraps as an initial member, else it starts empty. */
  add(id: NodeId, voters?: NodeId[], storage?: MemoryStorage, options: MemberOptions = {}): Member {
    const st = storage ?? new MemoryStorage();
    if (voters && !storage) bootstrapMemoryStorage(st, voters);
    const node = new RawNode({
      electionTimeoutTicks: 10,
      heartbeatIntervalTicks: 1,
      ...this.options,
      ...options,
      id,
      storage: st,
      random: new SeededRandom(this.seed * 1000 + Number(id)),
    });
    const m: Member = {
      id,
      node,
      storage: st,
      applied: [],
      readStates: [],
      confState: st.initialState().confState,
    };
    this.members.set(id, m);
    return m;
  }

  /** Simulates a crash and restart: everything not persisted is lost. */
  restart(id: NodeId, options: MemberOptions = {}): Member {
    const old = this.get(id);
    this.members.delete(id);
    const m = this.add(id, undefined, old.storage, options);
    return m;
  }

  get(id: NodeId): Member {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }

  node(id: NodeId): RawNode {
    return this.get(id).node;
  }

  /** Runs the Ready loop of one member until it has nothing more; returns what it wants sent. */
  drain(id: NodeId): Message[] {
    const m = this.get(id);
    const out: Message[] = [];
    while (m.node.hasReady()) {
      const rd = m.node.ready();
      m.storage.persist(rd);
      out.push(...rd.messages);
      if (rd.snapshot) m.confState = rd.snapshot.metadata.confState;
      for (const e of rd.committedEntries) {
        m.applied.push(e);
        if (e.type === EntryType.ConfChange) {
          m.confState = m.node.applyConfChange(decodeConfChange(e.data));
        }
        this.onApply?.(m, e);
      }
      m.readStates.push(...rd.readStates);
      m.node.advance();
    }
    return out;
  }

  /** Delivers messages (and everything they cause) until the cluster is quiet. */
  deliver(msgs: Message[]): void {
    const queue = [...msgs];
    for (let guard = 0; queue.length > 0; guard++) {
      if (guard > 1_000_000) throw new Error('harness: message storm, no quiescence');
      const msg = queue.shift()!;
      if (this.filters.some((f) => f(msg))) continue;
      const target = this.members.get(msg.to);
      if (!target) continue;
      this.delivered.push(msg);
      target.node.step(msg);
      queue.push(...this.drain(msg.to));
    }
  }

  /** Processes every member's pending work and delivers until quiet. */
  stabilize(): void {
    for (let round = 0; round < 1000; round++) {
      const msgs: Message[] = [];
      for (const id of this.members.keys()) msgs.push(...this.drain(id));
      if (msgs.length === 0) return;
      this.deliver(msgs);
    }
    throw new Error('harness: no quiescence after 1000 rounds');
  }

  tick(id: NodeId, n = 1): void {
    for (let i = 0; i < n; i++) {
      this.node(id).tick();
      this.deliver(this.drain(id));
    }
  }

  /** Ticks every member `n` times, round-robin, delivering after each tick. */
  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const id of [...this.members.keys()]) {
        if (this.members.has(id)) this.tick(id);
      }
    }
  }

  campaign(id: NodeId): void {
    this.node(id).campaign();
    this.deliver(this.drain(id));
  }

  propose(id: NodeId, text: string): void {
    this.node(id).propose(new TextEncoder().encode(text));
    this.deliver(this.drain(id));
  }

  /** Drops every message to or from `id`. Returns a function that undoes it. */
  isolate(id: NodeId): () => void {
    return this.addFilter((m) => m.to === id || m.from === id);
  }

  /** Drops messages between the two groups (both directions). */
  partition(a: NodeId[], b: NodeId[]): () => void {
    return this.addFilter(
      (m) => (a.includes(m.from) && b.includes(m.to)) || (b.includes(m.from) && a.includes(m.to)),
    );
  }

  dropType(type: MessageType): () => void {
    return this.addFilter((m) => m.type === type);
  }

  addFilter(f: MessageFilter): () => void {
    this.filters.push(f);
    return () => {
      const i = this.filters.indexOf(f);
      if (i >= 0) this.filters.splice(i, 1);
    };
  }

  /** Keeps back messages matching `pred` until `release()`: they are in flight, not lost. */
  hold(pred: MessageFilter): HeldMessages {
    const messages: Message[] = [];
    const undo = this.addFilter((m) => {
      if (!pred(m)) return false;
      messages.push(m);
      return true;
    });
    return {
      messages,
      release: () => {
        undo();
        this.deliver(messages.splice(0));
      },
    };
  }

  healAll(): void {
    this.filters.length = 0;
  }

  leaders(): NodeId[] {
    return [...this.members.values()]
      .filter((m) => m.node.raft.state === StateType.Leader)
      .map((m) => m.id);
  }

  /** The single leader; fails if there is none or more than one. */
  leader(): NodeId {
    const ls = this.leaders();
    if (ls.length !== 1) throw new Error(`expected one leader, found [${ls.join(', ')}]`);
    return ls[0]!;
  }

  /** Application payloads applied by a member, as text (no-ops and conf changes skipped). */
  appliedTexts(id: NodeId): string[] {
    return this.get(id)
      .applied.filter((e) => e.type === EntryType.Normal && e.data.length > 0)
      .map((e) => new TextDecoder().decode(e.data));
  }

  /** Delivered messages matching `pred`. */
  deliveredWhere(pred: MessageFilter): Message[] {
    return this.delivered.filter(pred);
  }

  /** Terms of the member's log entries from its first index to its last (snapshot excluded). */
  logTerms(id: NodeId): Term[] {
    const log = this.node(id).raft.raftLog;
    const out: Term[] = [];
    for (let i = log.firstIndex(); i <= log.lastIndex(); i++) out.push(log.term(i)!);
    return out;
  }

  /**
   * Takes the member's state machine snapshot, as its driver would: at
   * `index` (by default its applied index) with its current configuration.
   */
  snapshot(id: NodeId, data: Uint8Array = new Uint8Array(0), index?: number): void {
    const m = this.get(id);
    m.storage.createSnapshot(index ?? m.node.raft.raftLog.applied, m.confState, data);
  }
}
