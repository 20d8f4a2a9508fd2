// The data the Raft core consumes and produces. These mirror the messages of
// the Raft paper (and of etcd-io/raft's raftpb) but are plain objects: the
// core never encodes anything itself, the transport and backend do.
//
// Numbers: member ids are 64-bit on the wire and random in production, so they
// are bigint. Terms and indexes are JavaScript numbers: they grow by one per
// election or entry, and at a million entries a second 2^53 is 285 years
// away; RawNode.step checks every number that arrives from a peer.

/** A member id; 64-bit on the wire. `None` (0n) means "no member". */
export type NodeId = bigint;
export const None: NodeId = 0n;

/** A Raft term (§5.1). */
export type Term = number;
/** A log index (§5.3). Index 0 is the empty log's sentinel. */
export type Index = number;

export enum EntryType {
  Normal = 0,
  ConfChange = 1,
}

export interface Entry {
  readonly term: Term;
  readonly index: Index;
  readonly type: EntryType;
  /** Opaque payload; empty for the no-op a new leader appends (§8). */
  readonly data: Uint8Array;
}

export enum MessageType {
  /** Local: start an election. */
  Hup = 0,
  /** Local: the leader should send heartbeats. */
  Beat = 1,
  /** A proposal, local or forwarded by a follower to the leader. */
  Prop = 2,
  App = 3,
  AppResp = 4,
  Vote = 5,
  VoteResp = 6,
  Snap = 7,
  Heartbeat = 8,
  HeartbeatResp = 9,
  /** Local: the transport could not reach a peer. */
  Unreachable = 10,
  /** Local: the transport finished (or failed) sending a snapshot. */
  SnapStatus = 11,
  /** Local: the leader checks that a quorum is still active. */
  CheckQuorum = 12,
  TransferLeader = 13,
  TimeoutNow = 14,
  ReadIndex = 15,
  ReadIndexResp = 16,
  PreVote = 17,
  PreVoteResp = 18,
}

/** Message types that never leave the node that created them. */
export function isLocalMessage(t: MessageType): boolean {
  return (
    t === MessageType.Hup ||
    t === MessageType.Beat ||
    t === MessageType.Unreachable ||
    t === MessageType.SnapStatus ||
    t === MessageType.CheckQuorum
  );
}

/** Response types: a node handles these only if they come from a known peer. */
export function isResponseMessage(t: MessageType): boolean {
  return (
    t === MessageType.AppResp ||
    t === MessageType.VoteResp ||
    t === MessageType.HeartbeatResp ||
    t === MessageType.Unreachable ||
    t === MessageType.PreVoteResp
  );
}

export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface SnapshotMetadata {
  readonly index: Index;
  readonly term: Term;
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: Uint8Array;
}

export interface Message {
  type: MessageType;
  to: NodeId;
  from: NodeId;
  term: Term;
  /** App: term of the entry at `index`. Vote: term of the candidate's last entry. AppResp reject: hint term. */
  logTerm: Term;
  /** App: index preceding `entries`. AppResp: last matching index (or rejected index). Vote: last index. */
  index: Index;
  entries: Entry[];
  commit: Index;
  snapshot?: Snapshot;
  reject: boolean;
  rejectHint: Index;
  /** ReadIndex request context, echoed by heartbeats; the transfer marker on a forced Vote. */
  context?: Uint8Array;
}

export interface HardState {
  readonly term: Term;
  readonly vote: NodeId;
  readonly commit: Index;
}

export enum StateType {
  Follower = 'follower',
  Candidate = 'candidate',
  Leader = 'leader',
  PreCandidate = 'pre-candidate',
}

/** Volatile state that is useful to observe but need not be persisted. */
export interface SoftState {
  readonly lead: NodeId;
  readonly state: StateType;
}

/** The answer to a `readIndex(ctx)` call: reads at `index` or later are linearizable. */
export interface ReadState {
  readonly index: Index;
  readonly requestCtx: Uint8Array;
}

export const emptyHardState: HardState = Object.freeze({ term: 0, vote: None, commit: 0 });
export const emptyConfState: ConfState = Object.freeze({ voters: [], learners: [] });
export const emptySnapshot: Snapshot = Object.freeze({
  metadata: Object.freeze({ index: 0, term: 0, confState: emptyConfState }),
  data: new Uint8Array(0),
});

export function isEmptySnapshot(s: Snapshot | undefined): boolean {
  return s === undefined || s.metadata.index === 0;
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** Approximate encoded size of an entry: payload plus fixed framing. */
export const entryOverheadBytes = 16;

export function entrySizeBytes(e: Entry): number {
  return e.data.length + entryOverheadBytes;
}

/** Bytes a proposal adds to the leader's uncommitted log (payload only, as etcd counts it). */
export function payloadSizeBytes(entries: readonly Entry[]): number {
  let n = 0;
  for (const e of entries) n += e.data.length;
  return n;
}

/** Keeps a prefix of `entries` whose total size stays within `maxBytes`, but always at least one entry. */
export function limitSize(entries: Entry[], maxBytes: number): Entry[] {
  if (entries.length <= 1) return entries;
  let size = entrySizeBytes(entries[0]!);
  let n = 1;
  for (; n < entries.length; n++) {
    size += entrySizeBytes(entries[n]!);
    if (size > maxBytes) break;
  }
  return n === entries.length ? entries : entries.slice(0, n);
}

/** Indexes and terms arriving from outside must be non-negative safe integers. */
export function assertSafeIndex(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer, got ${n}`);
  }
}

export function newMessage(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    to: None,
    from: None,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    ...fields,
  };
}
