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
import type { Backend, BatchOp } from './backend.js';
import { type Command, decodeCommand, parseCommand } from './command.js';
import { compactIndex, removeRevisions, scheduledCompactOp } from './compaction.js';
import { AlreadyAppliedError, type ApplyError, isApplyError } from './errors.js';
import { hashKV, hashState } from './hash.js';
import { appliedKey, memberKey, stateRange } from './keys.js';
import type { KvState } from './kv-state.js';
import { execRange } from './range.js';
import { type AppliedMark, loadState } from './restore.js';
import { exportChunks, importChunks, importPending, installStaged } from './snapshot.js';
import { type LeaseLookup, noLeases } from './leases.js';
import { execTxn } from './txn.js';
import type {
  CompactionResponse,
  DeleteRangeResponse,
  HashKVResult,
  Member,
  MembersResponse,
  NoopResponse,
  PutResponse,
  RangeRequest,
  RangeResponse,
  Revision,
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
  | { noop: NoopResponse };

export type ApplyResult =
  | { index: number; ok: true; response: CommandResponse }
  | { index: number; ok: false; error: ApplyError };

export interface MvccOptions {
  /** The lessor's view: which lease ids a put may attach (default: none, see leases.ts). */
  leases?: LeaseLookup;
}

function byId(a: Member, b: Member): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class MvccStore {
  private readonly queue: WriteQueue;
  /** Work to queue after the batch of the current applyEntries call. */
  private after: (() => void)[] = [];

  private constructor(
    private readonly backend: Backend,
    private readonly state: KvState,
    private applied: AppliedMark,
    private readonly memberTable: Map<bigint, Member>,
    private readonly leases: LeaseLookup,
  ) {
    this.queue = new WriteQueue(backend);
  }

  /** Opens the state stored in `backend` (finishing an interrupted snapshot install or compaction). */
  static async open(backend: Backend, options: MvccOptions = {}): Promise<MvccStore> {
    if (importPending(backend)) await installStaged(backend);
    const loaded = await loadState(backend);
    const leases = options.leases ?? noLeases;
    return new MvccStore(backend, loaded.state, loaded.applied, loaded.members, leases);
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
    return results;
  }

  private applyCommand(raw: Command | Uint8Array): CommandResponse {
    if (raw instanceof Uint8Array && raw.length === 0) return { noop: this.noop() };
    const cmd = raw instanceof Uint8Array ? decodeCommand(raw) : parseCommand(raw);
    const invalid = validateCommand(cmd);
    if (invalid !== undefined) throw invalid;
    if ('compaction' in cmd) return { compaction: this.compact(cmd.compaction.revision) };
    if ('memberUpsert' in cmd) return { members: this.upsertMember(cmd.memberUpsert.member) };
    if ('memberRemove' in cmd) return { members: this.removeMember(cmd.memberRemove.id) };
    if ('noop' in cmd) return { noop: this.noop() };
    // One write transaction: all of it or, when it throws, none of it.
    const state = this.state;
    state.begin();
    try {
      let response: CommandResponse;
      if ('put' in cmd) response = { put: execPut(state, cmd.put, this.leases) };
      else if ('deleteRange' in cmd)
        response = { deleteRange: execDeleteRange(state, cmd.deleteRange) };
      else response = { txn: execTxn(state, cmd.txn, this.leases) };
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
