// The whole mvcc state as a stream of chunks, for a leader to send to a
// follower that is too far behind (docs/store-design.md, "Raft snapshots").
//
// Stream format: a byte stream of frames, each a 4-byte big-endian length
// and one msgpack value (codec.ts). Framing makes the stream independent of
// how a transport or a file cuts it into pieces.
//   ['capstan-mvcc-snapshot', 1]                     first chunk
//   ['data', seq, [key0, value0, key1, value1, …]]   seq = 0, 1, 2, …
//   ['end', pairCount, crc]                          last chunk
// `crc` is the running crc32 of every chunk before the last, so a missing,
// reordered, truncated or altered chunk is caught; stored records also keep
// their own checksums.
//
// Import stages the pairs under the 'x' prefix first; the live state is
// touched only once the whole stream checked out. Then a marker is written
// (synced) and the staged copy installed; a crash during installation is
// finished on the next open, so the state is always either the old one or
// the complete new one.

import { crc32 } from 'node:zlib';
import { decode, encode, unseal } from '../backend/codec.js';
import type { Backend, BatchOp } from './backend.js';
import { SnapshotInvalidError } from './errors.js';
import {
  appliedKey,
  importMarkerKey,
  isRevisionKey,
  sameBytes,
  stagedKey,
  stagingRange,
  stateRange,
} from './keys.js';
import { mvccLimits } from './mvcc-limits.js';
import type { WriteQueue } from './write-queue.js';

const magic = 'capstan-mvcc-snapshot';
const formatVersion = 1;

/** Chunks of the state as of now (the iterator's snapshot is taken through the queue). */
export function exportChunks(
  queue: WriteQueue,
  backend: Backend,
  chunkBytes: number,
): AsyncIterable<Uint8Array> {
  const opened = queue.run(() => backend.iterate(stateRange));
  return {
    async *[Symbol.asyncIterator]() {
      const it = await opened;
      try {
        const header = encode([magic, formatVersion]);
        let crc = crc32(header);
        yield frame(header);
        let pairs: Uint8Array[] = [];
        let bytes = 0;
        let seq = 0;
        let count = 0;
        for await (const batch of it) {
          for (const [key, value] of batch) {
            pairs.push(key, value);
            bytes += key.length + value.length;
            count++;
            if (bytes >= chunkBytes) {
              const chunk = encode(['data', seq++, pairs]);
              crc = crc32(chunk, crc);
              yield frame(chunk);
              pairs = [];
              bytes = 0;
            }
          }
        }
        if (pairs.length > 0) {
          const chunk = encode(['data', seq, pairs]);
          crc = crc32(chunk, crc);
          yield frame(chunk);
        }
        yield frame(encode(['end', count, crc]));
      } finally {
        // Also when the consumer stops early: release level's snapshot.
        await it.close();
      }
    },
  };
}

const frameHeaderBytes = 4;

function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(frameHeaderBytes + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(payload, frameHeaderBytes);
  return out;
}

/** The frames' payloads, however the byte stream was cut into pieces. */
async function* deframe(
  pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  maxFrameBytes: number,
): AsyncIterable<Uint8Array> {
  let buf = new Uint8Array(0);
  for await (const piece of pieces) {
    const joined = new Uint8Array(buf.length + piece.length);
    joined.set(buf);
    joined.set(piece, buf.length);
    buf = joined;
    let at = 0;
    while (buf.length - at >= frameHeaderBytes) {
      const len = new DataView(buf.buffer, buf.byteOffset + at).getUint32(0);
      if (len > maxFrameBytes) refuse(`a frame claims ${len} bytes`);
      if (buf.length - at - frameHeaderBytes < len) break;
      yield buf.subarray(at + frameHeaderBytes, at + frameHeaderBytes + len);
      at += frameHeaderBytes + len;
    }
    buf = buf.subarray(at);
  }
  if (buf.length > 0) refuse('the stream ends inside a frame');
}

function refuse(detail: string): never {
  throw new SnapshotInvalidError(detail);
}

/** Whether `key` may appear in a snapshot, and `value` is well-formed for it. */
function checkPair(key: unknown, value: unknown): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array) || !(value instanceof Uint8Array)) refuse('a pair is not bytes');
  const kind = key[0];
  // c/ members, l/ leases, m/ meta and alarms, r revisions.
  const known =
    kind === 0x63 || kind === 0x6c || kind === 0x6d || (kind === 0x72 && isRevisionKey(key));
  if (!known) refuse('a key is outside the state');
  if (unseal(value) === undefined) refuse('a record fails its checksum');
}

/** Reads and checks the whole stream into the staging area; throws SnapshotInvalidError. */
async function stage(
  backend: Backend,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<void> {
  let crc = 0;
  let seq = 0;
  let count = 0;
  let phase: 'header' | 'data' | 'ended' = 'header';
  let sawApplied = false;
  for await (const chunk of deframe(chunks, mvccLimits.maxSnapshotFrameBytes)) {
    if (phase === 'ended') refuse('data after the end of the stream');
    let msg: unknown;
    try {
      msg = decode<unknown>(chunk);
    } catch {
      refuse(`chunk ${seq} does not decode`);
    }
    if (!Array.isArray(msg)) refuse(`chunk ${seq} is not a snapshot chunk`);
    if (phase === 'header') {
      if (msg[0] !== magic) refuse('not a capstan mvcc snapshot');
      if (msg[1] !== formatVersion) refuse(`unsupported snapshot format ${String(msg[1])}`);
      phase = 'data';
    } else if (msg[0] === 'data') {
      if (msg[1] !== seq) refuse(`chunk ${seq} is missing or out of order`);
      const pairs: unknown = msg[2];
      if (!Array.isArray(pairs) || pairs.length % 2 !== 0) refuse(`chunk ${seq} is damaged`);
      const ops: BatchOp[] = [];
      for (let i = 0; i < pairs.length; i += 2) {
        const key: unknown = pairs[i];
        const value: unknown = pairs[i + 1];
        checkPair(key, value);
        if (sameBytes(key, appliedKey)) sawApplied = true;
        ops.push({ type: 'put', key: stagedKey(key), value: value as Uint8Array });
      }
      await backend.write(ops);
      count += pairs.length / 2;
      seq++;
    } else if (msg[0] === 'end') {
      if (msg[1] !== count || msg[2] !== crc) refuse('the stream is corrupted (checksum mismatch)');
      phase = 'ended';
      continue;
    } else {
      refuse(`chunk ${seq} has an unknown kind`);
    }
    crc = crc32(chunk, crc);
  }
  if (phase !== 'ended') refuse('the stream is truncated (no end chunk)');
  if (!sawApplied) refuse('the snapshot has no applied index');
}

/** Replaces the live state with the staged one; safe to repeat after a crash. */
export async function installStaged(backend: Backend): Promise<void> {
  await backend.clearRange(stateRange);
  let ops: BatchOp[] = [];
  let bytes = 0;
  for await (const batch of backend.iterate(stagingRange)) {
    for (const [key, value] of batch) {
      ops.push({ type: 'put', key: key.subarray(1), value });
      bytes += key.length + value.length;
      if (bytes >= mvccLimits.installBatchBytes) {
        await backend.write(ops);
        ops = [];
        bytes = 0;
      }
    }
  }
  await backend.write(ops);
  await backend.clearRange(stagingRange);
  await backend.write([{ type: 'del', key: importMarkerKey }], { sync: true });
}

/** Whether an import was checked and committed but not fully installed. */
export function importPending(backend: Backend): boolean {
  return backend.get(importMarkerKey) !== undefined;
}

/**
 * Checks the stream while staging it, then installs it. On any failure the
 * staging area is cleared and the live state is untouched.
 */
export async function importChunks(
  backend: Backend,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<void> {
  // An earlier import that was committed wins over the state it replaced.
  if (importPending(backend)) await installStaged(backend);
  await backend.clearRange(stagingRange);
  try {
    await stage(backend, chunks);
  } catch (err) {
    await backend.clearRange(stagingRange);
    throw err;
  }
  await backend.write([{ type: 'put', key: importMarkerKey, value: encode(true) }], { sync: true });
  await installStaged(backend);
}
