// Raft's safety properties (§5.2–§5.4, Figure 3), checked as the simulation
// runs: after every persisted Ready, every applied entry and every event.
//
// Logs are compared through chain hashes: the hash of entry i covers its
// term, its payload and the hash of entry i-1, so two logs with equal chain
// hashes at i are identical up to i. That turns Log Matching ("same index and
// term ⇒ same prefix") into a map lookup.

import {
  bootstrapIndex,
  bootstrapTerm,
  StateType,
  type Entry,
  type HardState,
  type Index,
  type MemoryStorage,
  type NodeId,
  type Ready,
  type Snapshot,
  type Term,
} from '../../store/raft/index.js';

export class SafetyViolation extends Error {
  override name = 'SafetyViolation';
}

function fail(rule: string, detail: string): never {
  throw new SafetyViolation(`${rule}: ${detail}`);
}

/** 52-bit FNV-style hash of (prev, term, type, payload). */
export function chainHash(prev: number, e: Entry): number {
  let h1 = (prev % 0x100000000) ^ 0x811c9dc5;
  let h2 = Math.floor(prev / 0x100000000) ^ 0x1b873593;
  const mix = (b: number): void => {
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 ^ b, 0x5bd1e995);
  };
  mix(e.term & 0xff);
  mix((e.term >>> 8) & 0xff);
  mix((e.term >>> 16) & 0xff);
  mix(e.type);
  for (let i = 0; i < e.data.length; i++) mix(e.data[i]!);
  mix(e.data.length & 0xff);
  return (h1 >>> 0) + ((h2 >>> 0) & 0xfffff) * 0x100000000;
}

const bootstrapChain = 0x1234567;

interface NodeLog {
  chain: Map<Index, number>;
  last: Index;
  /** Persisted commit and term: never decrease, even across crashes. */
  commit: Index;
  term: Term;
  /** Term in which this node was leader and has persisted as leader at least once. */
  leaderTerm: Term;
  /** Applied index of the current incarnation. */
  applied: Index;
}

export class SafetyChecker {
  private readonly leaderOfTerm = new Map<Term, NodeId>();
  /** (index, term) → chain hash, across every node: Log Matching. */
  private readonly chainAt = new Map<string, number>();
  /** index → chain hash of committed entries: State Machine Safety and committed-never-change. */
  private readonly committedAt = new Map<Index, number>();
  /**
   * index → an upper bound on the term in which it was committed: the
   * lowest current term of a member seen holding it committed (a member
   * learns of a commit in the deciding leader's term or later).
   */
  private readonly committedTerm = new Map<Index, Term>();
  private maxCommittedIndex: Index = 0;
  private readonly logs = new Map<NodeId, NodeLog>();
  /** (node, term) pairs whose log was checked for Leader Completeness. */
  private readonly completenessChecked = new Set<string>();

  constructor() {
    this.chainAt.set(`${bootstrapIndex}:${bootstrapTerm}`, bootstrapChain);
  }

  private log(id: NodeId): NodeLog {
    let l = this.logs.get(id);
    if (!l) {
      l = { chain: new Map(), last: 0, commit: 0, term: 0, leaderTerm: 0, applied: 0 };
      l.chain.set(0, 0);
      this.logs.set(id, l);
    }
    return l;
  }

  /**
   * A member restarted from its storage: its volatile state (applied index,
   * leadership) is gone, and its log is whatever storage kept.
   */
  onRestart(id: NodeId, storage: MemoryStorage): void {
    const l = this.log(id);
    const snap = storage.snapshot().metadata;
    l.chain.clear();
    // The log starts right after its compaction point, which may sit below the snapshot.
    const first = storage.firstIndex();
    const baseIndex = first - 1;
    const baseTerm = storage.term(baseIndex);
    const base = baseIndex === 0 ? 0 : this.chainAt.get(`${baseIndex}:${baseTerm}`);
    if (base === undefined)
      fail('restart', `member ${id} restarted from an unknown log point ${baseIndex}`);
    l.chain.set(baseIndex, base);
    let prev = base;
    const last = storage.lastIndex();
    if (last >= first) {
      for (const e of storage.entries(first, last + 1, Number.MAX_SAFE_INTEGER)) {
        prev = chainHash(prev, e);
        l.chain.set(e.index, prev);
        this.checkLogMatching(id, e, prev);
      }
    }
    l.last = last;
    const hs = storage.hardState();
    l.commit = hs.commit;
    l.term = hs.term;
    l.leaderTerm = 0;
    l.applied = snap.index;
  }

  /** Election Safety: at most one leader per term. Call for every member after every event. */
  observeState(id: NodeId, state: StateType, term: Term): void {
    if (state !== StateType.Leader) return;
    const prev = this.leaderOfTerm.get(term);
    if (prev === undefined) this.leaderOfTerm.set(term, id);
    else if (prev !== id)
      fail('election safety', `members ${prev} and ${id} are both leader of term ${term}`);
  }

  /**
   * Step 1 of a Ready was just written to `id`'s storage. `isLeader` and
   * `term` describe the member when the Ready was taken.
   */
  onPersist(id: NodeId, rd: Ready, isLeader: boolean, term: Term): void {
    const l = this.log(id);
    if (rd.snapshot) this.installSnapshot(id, l, rd.snapshot);
    if (rd.entries.length > 0) {
      const first = rd.entries[0]!.index;
      if (isLeader && l.leaderTerm === term && first <= l.last) {
        fail(
          'leader append-only',
          `leader ${id} of term ${term} overwrote its log from index ${first} (last was ${l.last})`,
        );
      }
      let prev = l.chain.get(first - 1);
      if (prev === undefined)
        fail('log continuity', `member ${id} appended ${first} without entry ${first - 1}`);
      for (const e of rd.entries) {
        const h = chainHash(prev, e);
        l.chain.set(e.index, h);
        this.checkLogMatching(id, e, h);
        // Within its own committed prefix a member's log never changes.
        if (e.index <= l.commit) this.checkCommitted(id, e.index, h);
        prev = h;
      }
      const last = rd.entries[rd.entries.length - 1]!.index;
      for (let i = last + 1; i <= l.last; i++) l.chain.delete(i);
      l.last = last;
    }
    if (rd.hardState) this.onHardState(id, l, rd.hardState);
    if (isLeader) {
      this.checkLeaderCompleteness(id, l, term);
      l.leaderTerm = term;
    }
  }

  private installSnapshot(id: NodeId, l: NodeLog, s: Snapshot): void {
    const { index, term } = s.metadata;
    const h = this.chainAt.get(`${index}:${term}`);
    if (h === undefined)
      fail(
        'snapshot',
        `member ${id} installed a snapshot at ${index}:${term} that no log ever held`,
      );
    this.checkCommitted(id, index, h);
    l.chain.clear();
    l.chain.set(index, h);
    l.last = index;
  }

  private checkLogMatching(id: NodeId, e: Entry, h: number): void {
    const key = `${e.index}:${e.term}`;
    const seen = this.chainAt.get(key);
    if (seen === undefined) this.chainAt.set(key, h);
    else if (seen !== h) {
      fail(
        'log matching',
        `member ${id} holds an entry at index ${e.index} term ${e.term} whose log differs from another member's`,
      );
    }
  }

  /** Committed entries never change: a log that holds index `index` committed holds the committed entry. */
  private checkCommitted(id: NodeId, index: Index, h: number): void {
    const c = this.committedAt.get(index);
    if (c !== undefined && c !== h) {
      fail(
        'committed entry changed',
        `member ${id} holds a different entry at committed index ${index}`,
      );
    }
  }

  private onHardState(id: NodeId, l: NodeLog, hs: HardState): void {
    if (hs.term < l.term)
      fail('monotonic term', `member ${id} persisted term ${hs.term} after ${l.term}`);
    if (hs.commit < l.commit)
      fail('monotonic commit', `member ${id} persisted commit ${hs.commit} after ${l.commit}`);
    l.term = hs.term;
    l.commit = hs.commit;
    const h = l.chain.get(hs.commit);
    // A member's commit index may sit below its snapshot after a restart's first Ready; only
    // record what we can see.
    if (h !== undefined) this.recordCommitted(id, hs.commit, h, hs.term);
  }

  private recordCommitted(id: NodeId, index: Index, h: number, term: Term): void {
    const c = this.committedAt.get(index);
    if (c === undefined) this.committedAt.set(index, h);
    else if (c !== h)
      fail('state machine safety', `member ${id} committed a different entry at index ${index}`);
    const t = this.committedTerm.get(index);
    if (t === undefined || term < t) this.committedTerm.set(index, term);
    if (index > this.maxCommittedIndex) this.maxCommittedIndex = index;
  }

  /**
   * Leader Completeness (§5.4): a leader of term T holds every entry
   * committed in a term before T. (A leader of an older term — one that
   * resumes after a pause, say — may lack entries committed since.)
   */
  private checkLeaderCompleteness(id: NodeId, l: NodeLog, term: Term): void {
    const key = `${id}:${term}`;
    if (this.completenessChecked.has(key)) return;
    this.completenessChecked.add(key);
    let index = 0;
    for (const [i, t] of this.committedTerm) if (t < term && i > index) index = i;
    if (index === 0) return;
    let firstKnown = Number.MAX_SAFE_INTEGER;
    for (const i of l.chain.keys()) if (i < firstKnown) firstKnown = i;
    if (index < firstKnown) return; // covered by its snapshot, itself checked
    if (l.chain.get(index) !== this.committedAt.get(index)) {
      fail('leader completeness', `leader ${id} of term ${term} lacks committed entry ${index}`);
    }
  }

  /**
   * State Machine Safety and monotonic applied index: members apply the same
   * entry at each index, in order, each index once per incarnation.
   */
  onApply(id: NodeId, e: Entry, currentTerm: Term): void {
    const l = this.log(id);
    if (e.index !== l.applied + 1) {
      fail('monotonic applied', `member ${id} applied ${e.index} after ${l.applied}`);
    }
    l.applied = e.index;
    const h = l.chain.get(e.index);
    if (h === undefined)
      fail('apply before persist', `member ${id} applied ${e.index} that it has not persisted`);
    this.recordCommitted(id, e.index, h, currentTerm);
  }

  onSnapshotApplied(id: NodeId, s: Snapshot): void {
    const l = this.log(id);
    if (s.metadata.index < l.applied) {
      fail(
        'monotonic applied',
        `member ${id} applied snapshot ${s.metadata.index} after ${l.applied}`,
      );
    }
    l.applied = s.metadata.index;
  }

  committedIndex(): Index {
    return this.maxCommittedIndex;
  }
}
