// Sending one snapshot over a `SendSnapshot` call: a header chunk, the data
// re-cut into chunks with a running crc32, a last chunk with the digest, then
// the receiver's SnapshotAck decides. Writes wait for 'drain', so a snapshot
// of any size holds at most grpc's small write buffer in memory here.

import * as grpc from '@grpc/grpc-js';
import type { Message } from '../raft/types.js';
import { messageToWire } from './proto-codec.js';
import { snapshotMethod, type WireSnapshotAck, type WireSnapshotChunk } from './peer-proto.js';
import { cutSnapshotChunks, type SnapshotDigest } from './snapshot-chunks.js';
import type { TransportLogger, TransportTestHooks } from './transport.js';

export interface GrpcSnapshotSend {
  client: grpc.Client;
  clusterId: bigint;
  msg: Message;
  data: () => AsyncIterable<Uint8Array>;
  chunkBytes: number;
  testing: TransportTestHooks;
  logger: TransportLogger;
  /** True once the transport is closing: the transfer is abandoned. */
  isClosed(): boolean;
}

class StreamEnded extends Error {}

/** Resolves to whether the receiver accepted the snapshot. */
export async function sendSnapshotOverGrpc(s: GrpcSnapshotSend): Promise<boolean> {
  let ended = false;
  let resolveDone!: (r: {
    err: grpc.ServiceError | null;
    ack: WireSnapshotAck | undefined;
  }) => void;
  const done = new Promise<{ err: grpc.ServiceError | null; ack: WireSnapshotAck | undefined }>(
    (resolve) => (resolveDone = resolve),
  );
  const call = s.client.makeClientStreamRequest<WireSnapshotChunk, WireSnapshotAck>(
    snapshotMethod.path,
    snapshotMethod.requestSerialize,
    snapshotMethod.responseDeserialize,
    new grpc.Metadata(),
    {},
    (err, ack) => {
      ended = true;
      resolveDone({ err, ack });
    },
  );

  /** Writes one chunk, waiting for 'drain' when grpc's buffer is full; throws if the call ended. */
  const write = async (chunk: WireSnapshotChunk): Promise<void> => {
    if (ended || s.isClosed()) throw new StreamEnded();
    if (call.write(chunk)) return;
    await new Promise<void>((resolve) => {
      call.once('drain', resolve);
      void done.then(() => {
        call.off('drain', resolve);
        resolve();
      });
    });
    if (ended) throw new StreamEnded();
  };

  const to = s.msg.to;
  try {
    await write({
      header: {
        clusterId: s.clusterId.toString(),
        from: s.msg.from.toString(),
        message: messageToWire(s.msg),
      },
    });
    const digest: SnapshotDigest = { crc32: 0, totalBytes: 0 };
    let seq = 0;
    for await (const chunk of cutSnapshotChunks(s.data(), s.chunkBytes, digest)) {
      const sent = s.testing.tamperSnapshotChunk?.(chunk, seq) ?? chunk;
      seq++;
      await write({ data: sent });
    }
    await write({ last: true, crc32: digest.crc32, totalBytes: String(digest.totalBytes) });
    call.end();
  } catch (err) {
    call.cancel();
    if (!(err instanceof StreamEnded)) throw err;
  }
  const { err, ack } = await done;
  if (err) {
    s.logger.warn({ to, code: err.code, err: err.details }, 'transport: snapshot stream failed');
    return false;
  }
  if (!ack?.ok) s.logger.warn({ to, err: ack?.error }, 'transport: peer refused the snapshot');
  return ack?.ok === true;
}
