// What each key of the raft log database holds, and the checks a record must
// pass when it is read back. Every value is a crc32-sealed msgpackr record
// (codec.ts); a record whose checksum matches but whose shape is wrong is as
// damaged as one whose checksum does not: decoders return undefined for both.
//
// Entries are tuples, because one is written per log entry (the hot path);
// the other records are objects, written rarely and easier to read in a dump.
// Encoders return pooled records (encodeRecordForWrite): they go straight
// into a level batch, which copies them.

import type { ConfState, Entry, HardState, Snapshot } from '../raft/types.js';
import { EntryType } from '../raft/types.js';
import { decodeRecord, encodeRecordForWrite } from './codec.js';

/** Member identity, written once when the member joins a cluster. */
export interface Identity {
  readonly memberId: bigint;
  readonly clusterId: bigint;
}

/**
 * Where the stored log begins: the index and term of the last entry dropped
 * by compaction (the in-memory log's sentinel). It may lag the snapshot index:
 * entries between it and the snapshot are kept so slow followers catch up
 * without a snapshot (etcd's --snapshot-catchup-entries).
 */
export interface LogStart {
  readonly index: number;
  readonly term: number;
}

export interface SnapshotRecord {
  readonly snapshot: Snapshot;
  readonly logStart: LogStart;
}

type EntryTuple = [index: number, term: number, type: EntryType, data: Uint8Array];

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isId(v: unknown): v is bigint {
  return typeof v === 'bigint' && v >= 0n && v < 1n << 64n;
}

function isIdList(v: unknown): v is bigint[] {
  return Array.isArray(v) && v.every(isId);
}

/** msgpackr decodes binary as Buffer; the core deals in plain Uint8Array views. */
function asBytes(v: unknown): Uint8Array | undefined {
  if (!(v instanceof Uint8Array)) return undefined;
  return Object.getPrototypeOf(v) === Uint8Array.prototype
    ? v
    : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** decodeRecord, but a payload msgpackr cannot parse is damage too, not a crash. */
function tryDecode(record: Uint8Array): unknown {
  try {
    return decodeRecord<unknown>(record);
  } catch {
    return undefined;
  }
}

function isRecordObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function encodeEntry(e: Entry): Uint8Array {
  const tuple: EntryTuple = [e.index, e.term, e.type, e.data];
  return encodeRecordForWrite(tuple);
}

export function decodeEntry(record: Uint8Array): Entry | undefined {
  const v = tryDecode(record);
  if (!Array.isArray(v) || v.length !== 4) return undefined;
  const [index, term, type, raw] = v as unknown[];
  const data = asBytes(raw);
  if (!isIndex(index) || !isIndex(term) || data === undefined) return undefined;
  if (type !== EntryType.Normal && type !== EntryType.ConfChange) return undefined;
  return { index, term, type, data };
}

export function encodeHardState(hs: HardState): Uint8Array {
  return encodeRecordForWrite({ term: hs.term, vote: hs.vote, commit: hs.commit });
}

export function decodeHardState(record: Uint8Array): HardState | undefined {
  const v = tryDecode(record);
  if (!isRecordObject(v)) return undefined;
  const { term, vote, commit } = v;
  if (!isIndex(term) || !isId(vote) || !isIndex(commit)) return undefined;
  return { term, vote, commit };
}

export function encodeSnapshotRecord(r: SnapshotRecord): Uint8Array {
  const { metadata, data } = r.snapshot;
  return encodeRecordForWrite({
    index: metadata.index,
    term: metadata.term,
    voters: metadata.confState.voters,
    learners: metadata.confState.learners,
    data,
    logStartIndex: r.logStart.index,
    logStartTerm: r.logStart.term,
  });
}

export function decodeSnapshotRecord(record: Uint8Array): SnapshotRecord | undefined {
  const v = tryDecode(record);
  if (!isRecordObject(v)) return undefined;
  const { index, term, voters, learners, logStartIndex, logStartTerm } = v;
  const data = asBytes(v['data']);
  if (!isIndex(index) || !isIndex(term) || !isIndex(logStartIndex) || !isIndex(logStartTerm)) {
    return undefined;
  }
  if (!isIdList(voters) || !isIdList(learners) || data === undefined) return undefined;
  // The log cannot start after the snapshot, nor at a later term.
  if (logStartIndex > index || logStartTerm > term) return undefined;
  const confState: ConfState = { voters, learners };
  return {
    snapshot: { metadata: { index, term, confState }, data },
    logStart: { index: logStartIndex, term: logStartTerm },
  };
}

export function encodeIdentity(id: Identity): Uint8Array {
  return encodeRecordForWrite({ memberId: id.memberId, clusterId: id.clusterId });
}

export function decodeIdentity(record: Uint8Array): Identity | undefined {
  const v = tryDecode(record);
  if (!isRecordObject(v)) return undefined;
  const { memberId, clusterId } = v;
  if (!isId(memberId) || !isId(clusterId)) return undefined;
  return { memberId, clusterId };
}

/** A member or cluster id must be a non-zero uint64 (0 means "none" in Raft). */
export function isValidId(v: bigint): boolean {
  return isId(v) && v !== 0n;
}
