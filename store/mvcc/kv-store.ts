// The revisioned key-value state machine of a replica (etcd's mvcc store
// plus the parts of its applier that decide results).
//
// applyEntries() applies committed entries in order, synchronously, on the
// in-memory state, and queues ONE backend batch holding their records
// together with the applied index, so the applied index on disk always
// describes exactly the state beside it. Reads see everything applied, even
// before the batch is written: live values are in memory, superseded values
// stay in memory until their batch is written, older history is read from
// the backend.
//
// Deterministic: results and state depend only on the entries applied (and
// the state they started from), never on timing. Never crashes on a command:
// a malformed or invalid one yields an error result and changes nothing.

import { encodeRecord } from '../backend/codec.js';
import { etcdError } from '../errors.js';
import { limits } from '../limits.js';
import type { Backend, BatchOp, KeyRange } from './backend.js';
import { type Command, decodeCommand, parseCommand } from './command.js';
import { compactIndex, removeRevisions, scheduledCompactOp } from './compaction.js';
import { AlreadyAppliedError, type ApplyError, isApplyError } from './errors.js';
import { hashKV, hashState } from './hash.js';
import { readHistory, type HistoryPage } from './history.js';
import { alarmKey, appliedKey, memberKey, stateRange } from './keys.js';
import { indexRange, type KvState } from './kv-state.js';
import { type Lease, type LeaseChange, LeaseTable } from './lease-table.js';
import { execRange } from './range.js';
import { type AppliedMark, loadState } from './restore.js';
import { exportChunks, importChunks, importPending, installStaged } from './snapshot.js';
import type { LeaseLookup } from './leases.js';
import { execTxn } from './txn.js';
import type {
  AlarmKind,
  AlarmMember,
  AlarmRequest,
  AlarmResponse,
  CompactionResponse,
  DeleteRangeResponse,
  HashKVResult,
  KeyValue,
  LeaseCheckpointRequest,
  LeaseGrantRequest,
  LeaseGrantResponse,
  Member,
  MembersResponse,
  NoopResponse,
  PutResponse,
  RangeRequest,
  RangeResponse,
  Revision,
  RevisionEvents,
  RevisionResponse,
  RequestOp,
  TxnRequest,
  TxnResponse,
} from './types.js';
import { validateCommand, validateRange } from './validate.js';
import { WriteQueue } from './write-queue.js';
import { execDeleteRange, execPut } from './write-ops.js';

/** A committed raft entry. Empty bytes (raft's own empty entries) apply as a noop. */
export interface ApplyEntry {
  index: number;
  term: number;
  command: Command | Uint8Array;
}

export type CommandResponse =
  | { put: PutResponse }
  | { deleteRange: DeleteRangeResponse }
  | { txn: TxnResponse }
  | { compaction: CompactionResponse }
  | { members: MembersResponse }
  | { leaseGrant: LeaseGrantResponse }
  | { leaseRevoke: RevisionResponse }
  | { leaseCheckpoint: RevisionResponse }
  | { alarm: AlarmResponse }
  | { noop: NoopResponse };

export type ApplyResult =
  | { index: number; ok: true; response: CommandResponse }
  | { index: number; ok: false; error: ApplyError };

/**
 * Told what each applyEntries call changed, synchronously, after its batch
 * is queued and before it returns. Must not throw or call back into the
 * store's apply.
 */
export interface MvccListener {
  /** The events of every revision the call committed, oldest first. */
  onEvents?(revisions: readonly RevisionEvents[]): void;
  /** Leases granted, revoked or checkpointed by the call, in order. */
  onLeases?(changes: readonly LeaseChange[]): void;
  /**
   * The replica replaced its whole state with a snapshot from the leader
   * (the store given is the new one; the old one is closed). Events between
   * the old and new revisions were never reported: read them with
   * readHistory, as far as compaction allows.
   */
  onRestored?(store: MvccStore): void;
  /**
   * The replica is about to replace its whole state with a snapshot, in
   * place: from now until onRestored, this store must not be read (its
   * backend is being rewritten; a history read meanwhile could see half of
   * it). onRestored follows, with the new store, or with this one if the
   * install failed.
   */
  onRestoring?(): void;
}

export interface MvccOptions {
  /**
   * Which lease ids a put may attach. Default: the store's own lease table
   * (leases granted through leaseGrant commands); tests of the revision
   * logic alone pass anyLease.
   */
  leases?: LeaseLookup;
  listener?: MvccListener;
}

/** In etcd's enum order: the index is the AlarmType number (and the byte in the alarm's key). */
const alarmKinds: readonly AlarmKind[] = ['none', 'nospace', 'corrupt'];

/** Every key the store writes (they all start with an ASCII letter). */
const wholeDatabase: KeyRange = { gte: new Uint8Array(0), lt: Uint8Array.of(0xff) };

function alarmId(a: AlarmMember): string {
  return `${a.memberId}/${a.alarm}`;
}

/**
 * etcd's isTxnReadonly: every top-level operation of both branches is a
 * range. etcd serves such a Txn without Raft, so no alarm refuses it.
 */
function txnReadOnly(r: TxnRequest): boolean {
  return [...(r.success ?? []), ...(r.failure ?? [])].every((op) => 'range' in op);
}

/**
 * Whether a Txn costs quota: etcd's capped applier refuses a Txn under
 * NOSPACE when its cost is above zero, and that cost counts the puts of
 * either branch's top level only (a put inside a nested Txn goes through).
 */
function txnPuts(r: TxnRequest): boolean {
  const puts = (ops: readonly RequestOp[] | undefined): boolean =>
    (ops ?? []).some((op) => 'put' in op);
  return puts(r.success) || puts(r.failure);
}

function byId(a: Member, b: Member): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class MvccStore {
  private readonly queue: WriteQueue;
  /** Work to queue after the batch of the current applyEntries call. */
  private after: (() => void)[] = [];

  /** Revisions committed by the current applyEntries call, with their events. */
  private committed: RevisionEvents[] = [];
  private leaseChanges: LeaseChange[] = [];
  private readonly leaseLookup: LeaseLookup;

  private constructor(
    private readonly backend: Backend,
    private readonly state: KvState,
    private applied: AppliedMark,
    private readonly memberTable: Map<bigint, Member>,
    private readonly leaseTable: LeaseTable,
    private readonly alarmTable: Map<string, AlarmMember>,
    options: MvccOptions,
  ) {
    this.queue = new WriteQueue(backend);
    this.leaseLookup = options.leases ?? leaseTable;
    this.listener = options.listener;
    state.onCommit = (revision, events) => {
      this.leaseTable.follow(events);
      this.committed.push({ revision, events });
    };
  }

  /** Where applyEntries reports what it changed; may be set once the store is open. */
  listener: MvccListener | undefined;

  /** Opens the state stored in `backend` (finishing an interrupted snapshot install or compaction). */
  static async open(backend: Backend, options: MvccOptions = {}): Promise<MvccStore> {
    if (importPending(backend)) await installStaged(backend);
    const loaded = await loadState(backend);
    const leaseTable = await LeaseTable.load(backend);
    loaded.state.forEachKey((ki) => {
      const lease = ki.latest?.lease ?? 0n;
      if (lease !== 0n) leaseTable.attach(lease, ki.key);
    });
    const alarms = new Map<string, AlarmMember>();
    for (const a of loaded.alarms) alarms.set(alarmId(a), a);
    return new MvccStore(
      backend,
      loaded.state,
      loaded.applied,
      loaded.members,
      leaseTable,
      alarms,
      options,
    );
  }

  /**
   * Replaces the state in `backend` with the snapshot in `chunks` and opens
   * it. A truncated or corrupted stream is refused (SnapshotInvalidError)
   * and the old state is left as it was. A store already open on `backend`
   * must be flushed first and not used afterwards.
   */
  static async importSnapshot(
    backend: Backend,
    chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: MvccOptions = {},
  ): Promise<MvccStore> {
    await importChunks(backend, chunks);
    return MvccStore.open(backend, options);
  }

  // ---- apply --------------------------------------------------------------

  applyEntries(entries: readonly ApplyEntry[]): ApplyResult[] {
    const ops: BatchOp[] = [];
    this.state.ops = ops;
    this.after = [];
    const results: ApplyResult[] = [];
    let appliedAny = false;
    for (const entry of entries) {
      if (entry.index <= this.applied.index) {
        const error = new AlreadyAppliedError(entry.index, this.applied.index);
        results.push({ index: entry.index, ok: false, error });
        continue;
      }
      try {
        const response = this.applyCommand(entry.command);
        results.push({ index: entry.index, ok: true, response });
      } catch (err) {
        if (!isApplyError(err)) throw err;
        results.push({ index: entry.index, ok: false, error: err });
      }
      this.applied = { index: entry.index, term: entry.term };
      appliedAny = true;
    }
    if (appliedAny) {
      ops.push({ type: 'put', key: appliedKey, value: encodeRecord(this.applied) });
      const rev = this.state.currentRev;
      void this.queue.write(ops, false, () => this.state.markFlushed(rev));
      for (const job of this.after) job();
    }
    this.state.ops = [];
    this.report();
    return results;
  }

  private report(): void {
    const committed = this.committed;
    const leaseChanges = this.leaseChanges;
    if (committed.length > 0) {
      this.committed = [];
      this.listener?.onEvents?.(committed);
    }
    if (leaseChanges.length > 0) {
      this.leaseChanges = [];
      this.listener?.onLeases?.(leaseChanges);
    }
  }

  private alarmed(kind: AlarmKind): boolean {
    if (this.alarmTable.size === 0) return false;
    for (const a of this.alarmTable.values()) if (a.alarm === kind) return true;
    return false;
  }

  /** etcd's capped and corrupt appliers: what an active alarm refuses. */
  private checkAlarms(cmd: Command): void {
    if (this.alarmTable.size === 0) return;
    if (
      this.alarmed('corrupt') &&
      ('put' in cmd ||
        'deleteRange' in cmd ||
        ('txn' in cmd && !txnReadOnly(cmd.txn)) ||
        'compaction' in cmd ||
        'leaseGrant' in cmd ||
        'leaseRevoke' in cmd)
    ) {
      throw etcdError('Corrupt');
    }
    if (
      this.alarmed('nospace') &&
      ('put' in cmd || 'leaseGrant' in cmd || ('txn' in cmd && txnPuts(cmd.txn)))
    ) {
      throw etcdError('NoSpace');
    }
  }

  private applyCommand(raw: Command | Uint8Array): CommandResponse {
    if (raw instanceof Uint8Array && raw.length === 0) return { noop: this.noop() };
    const cmd = raw instanceof Uint8Array ? decodeCommand(raw) : parseCommand(raw);
    const invalid = validateCommand(cmd);
    if (invalid !== undefined) throw invalid;
    this.checkAlarms(cmd);
    if ('compaction' in cmd) return { compaction: this.compact(cmd.compaction.revision) };
    if ('leaseGrant' in cmd) return { leaseGrant: this.grantLease(cmd.leaseGrant) };
    if ('leaseRevoke' in cmd) return { leaseRevoke: this.revokeLease(cmd.leaseRevoke.id) };
    if ('leaseCheckpoint' in cmd) {
      return { leaseCheckpoint: this.checkpointLeases(cmd.leaseCheckpoint) };
    }
    if ('alarm' in cmd) return { alarm: this.alarm(cmd.alarm) };
    if ('memberUpsert' in cmd) return { members: this.upsertMember(cmd.memberUpsert.member) };
    if ('memberRemove' in cmd) return { members: this.removeMember(cmd.memberRemove.id) };
    if ('noop' in cmd) return { noop: this.noop() };
    // One write transaction: all of it or, when it throws, none of it.
    const state = this.state;
    state.begin();
    try {
      let response: CommandResponse;
      if ('put' in cmd) response = { put: execPut(state, cmd.put, this.leaseLookup) };
      else if ('deleteRange' in cmd)
        response = { deleteRange: execDeleteRange(state, cmd.deleteRange) };
      else response = { txn: execTxn(state, cmd.txn, this.leaseLookup) };
      state.commit();
      return response;
    } catch (err) {
      state.rollback();
      throw err;
    }
  }

  /**
   * Seeds the member table of a new cluster at raft's bootstrap index and
   * term (the initial configuration), in one batch with that applied index.
   * Only on a store that has applied nothing: anything else is a bug.
   */
  bootstrapMembers(members: readonly Member[], index: number, term: number): void {
    if (this.applied.index !== 0 || this.memberTable.size > 0 || this.state.currentRev !== 1) {
      throw new Error('mvcc: bootstrapMembers on a store that is not new');
    }
    const ops: BatchOp[] = [];
    for (const member of members) {
      parseCommand({ memberUpsert: { member } });
      this.memberTable.set(member.id, member);
      ops.push({ type: 'put', key: memberKey(member.id), value: encodeRecord(member) });
    }
    this.applied = { index, term };
    ops.push({ type: 'put', key: appliedKey, value: encodeRecord(this.applied) });
    void this.queue.write(ops, false);
  }

  private compact(rev: Revision): CompactionResponse {
    if (rev <= this.state.compactRev) throw etcdError('Compacted');
    if (rev > this.state.currentRev) throw etcdError('FutureRev');
    const dropped = compactIndex(this.state, rev);
    this.state.ops.push(scheduledCompactOp(rev));
    let done!: () => void;
    let failed!: (err: unknown) => void;
    const physical = new Promise<void>((resolve, reject) => {
      done = resolve;
      failed = reject;
    });
    physical.catch(() => undefined);
    this.after.push(() => {
      this.queue.run(() => removeRevisions(this.backend, dropped, rev), true).then(done, failed);
    });
    return { revision: this.state.currentRev, physical };
  }

  private upsertMember(member: Member): MembersResponse {
    this.memberTable.set(member.id, member);
    this.state.ops.push({ type: 'put', key: memberKey(member.id), value: encodeRecord(member) });
    return { revision: this.state.currentRev, members: this.members() };
  }

  private removeMember(id: bigint): MembersResponse {
    this.memberTable.delete(id);
    this.state.ops.push({ type: 'del', key: memberKey(id) });
    return { revision: this.state.currentRev, members: this.members() };
  }

  private grantLease(r: LeaseGrantRequest): LeaseGrantResponse {
    if (this.leaseTable.has(r.id)) throw etcdError('LeaseExist');
    const lease: Lease = { id: r.id, ttl: r.ttl, remainingTtl: 0 };
    this.leaseTable.put(lease, this.state.ops);
    this.leaseChanges.push({ type: 'grant', lease });
    return { revision: this.state.currentRev, id: r.id, ttl: r.ttl };
  }

  /** Deletes the lease's keys in one revision (in key order, as etcd), then the lease. */
  private revokeLease(id: bigint): RevisionResponse {
    if (!this.leaseTable.has(id)) throw etcdError('LeaseNotFound');
    const keys = this.leaseTable.keysOf(id);
    if (keys.length > 0) {
      const state = this.state;
      state.begin();
      try {
        for (const ik of keys) state.deleteRange({ key: ik, end: undefined });
        state.commit();
      } catch (err) {
        state.rollback();
        throw err;
      }
    }
    this.leaseTable.remove(id, this.state.ops);
    this.leaseChanges.push({ type: 'revoke', id });
    return { revision: this.state.currentRev };
  }

  private checkpointLeases(r: LeaseCheckpointRequest): RevisionResponse {
    for (const cp of r.checkpoints) {
      const lease = this.leaseTable.get(cp.id);
      if (lease === undefined) continue;
      const next: Lease = { ...lease, remainingTtl: Math.max(0, cp.remainingTtl) };
      this.leaseTable.put(next, this.state.ops);
      this.leaseChanges.push({ type: 'checkpoint', lease: next });
    }
    return { revision: this.state.currentRev };
  }

  private alarm(r: AlarmRequest): AlarmResponse {
    const revision = this.state.currentRev;
    if (r.action === 'get') return { revision, alarms: this.alarms() };
    const a: AlarmMember = { memberId: r.memberId!, alarm: r.alarm! };
    const id = alarmId(a);
    const key = alarmKey(a.memberId, alarmKinds.indexOf(a.alarm));
    if (r.action === 'activate') {
      if (this.alarmTable.has(id)) return { revision, alarms: [] };
      this.alarmTable.set(id, a);
      this.state.ops.push({ type: 'put', key, value: encodeRecord(a) });
      return { revision, alarms: [a] };
    }
    if (!this.alarmTable.delete(id)) return { revision, alarms: [] };
    this.state.ops.push({ type: 'del', key });
    return { revision, alarms: [a] };
  }

  private noop(): NoopResponse {
    return { revision: this.state.currentRev };
  }

  // ---- reads --------------------------------------------------------------

  /** Serves a Range at the current state; throws EtcdError (EmptyKey, Compacted, FutureRev). */
  range(req: RangeRequest): RangeResponse {
    const invalid = validateRange(req);
    if (invalid !== undefined) throw invalid;
    return execRange(this.state, req);
  }

  currentRevision(): Revision {
    return this.state.currentRev;
  }

  /** -1 until the first compaction, as etcd reports it. */
  compactedRevision(): Revision {
    return this.state.compactRev;
  }

  appliedIndex(): number {
    return this.applied.index;
  }

  appliedTerm(): number {
    return this.applied.term;
  }

  /** Members ordered by id. */
  members(): Member[] {
    return [...this.memberTable.values()].sort(byId);
  }

  /** Active alarms, ordered by member id, then kind (NOSPACE before CORRUPT). */
  alarms(): AlarmMember[] {
    return [...this.alarmTable.values()].sort((a, b) =>
      a.memberId !== b.memberId
        ? a.memberId < b.memberId
          ? -1
          : 1
        : alarmKinds.indexOf(a.alarm) - alarmKinds.indexOf(b.alarm),
    );
  }

  // ---- leases -------------------------------------------------------------

  lease(id: bigint): Lease | undefined {
    return this.leaseTable.get(id);
  }

  /** Every lease, ordered by id. */
  leases(): Lease[] {
    return this.leaseTable.list();
  }

  /** The live keys attached to lease `id`, in key order. */
  leaseKeys(id: bigint): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const ik of this.leaseTable.keysOf(id)) {
      const kv = this.state.lookup(ik)?.latest;
      if (kv !== undefined) out.push(kv.key);
    }
    return out;
  }

  // ---- history (watchers) -------------------------------------------------

  /**
   * The stored events of revisions [from, to] (to ≤ the current revision),
   * a page of about `maxEvents` whole revisions at a time. Throws Compacted
   * when `from` is at or below the compacted revision: those events are gone.
   */
  readHistory(from: Revision, to: Revision, maxEvents: number): Promise<HistoryPage> {
    if (from <= this.state.compactRev) return Promise.reject(etcdError('Compacted'));
    return readHistory(
      this.queue,
      this.backend,
      from,
      Math.min(to, this.state.currentRev),
      maxEvents,
    );
  }

  /**
   * The version of `key` just before revision `rev` (what a watcher that
   * asked for prev_kv gets), or undefined when there was none or it has
   * been compacted away.
   */
  prevOf(key: Uint8Array, rev: Revision): KeyValue | undefined {
    const at = rev - 1;
    if (at < 1 || at < this.state.compactRev || at > this.state.currentRev) return undefined;
    return this.state.collect(indexRange(key, undefined), at, 1, false).kvs[0];
  }

  // ---- persistence --------------------------------------------------------

  /** Resolves once every batch queued so far is written (not necessarily durable). */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  /** Resolves once everything applied so far is durable. */
  async sync(): Promise<void> {
    const mark: BatchOp = { type: 'put', key: appliedKey, value: encodeRecord(this.applied) };
    // A synced write makes every earlier write durable with it (level's log is sequential).
    await this.queue.write([mark], true);
    await this.queue.flush();
  }

  hash(): Promise<number> {
    return hashState(this.queue, this.backend);
  }

  /** etcd's HashKV: throws Compacted (revision ≤ compacted) or FutureRev. */
  hashKV(revision: Revision): Promise<HashKVResult> {
    return hashKV(this.queue, this.backend, this.state, revision);
  }

  /** Approximate bytes of the state on the backend. */
  sizeBytes(): Promise<number> {
    return this.backend.approximateSize(stateRange);
  }

  // ---- defragmentation ----------------------------------------------------

  /**
   * etcd's Defragment, for this member only: gives the space of compacted
   * revisions and deleted keys back to the file system. Waits for what was
   * queued before (a physical compaction's deletions included), then has
   * the backend rewrite the whole database; applies and reads go on
   * meanwhile, and the state does not change.
   */
  async defragment(): Promise<void> {
    await this.queue.flush();
    await this.backend.compact(wholeDatabase);
  }

  /**
   * The whole state as of this call (its backend snapshot is taken in write
   * order right away), in chunks of about limits.snapshotChunkBytes.
   * Iterate it once; leaving the loop early releases the snapshot.
   */
  exportSnapshot(chunkBytes: number = limits.snapshotChunkBytes): AsyncIterable<Uint8Array> {
    return exportChunks(this.queue, this.backend, chunkBytes);
  }

  /** Flushes, then closes the backend. */
  async close(): Promise<void> {
    try {
      await this.queue.flush();
    } finally {
      await this.backend.close();
    }
  }
}
