// Maintenance.Snapshot: a consistent backup of the whole state, streamed in
// chunks, followed — as etcd does — by the sha256 of everything before it,
// so a restore can verify the file.
//
// etcd's client checks the shape of what it received before saving it
// (clientv3/snapshot: "sha256 checksum not found" unless the length is a
// multiple of 512 plus the 32-byte sha — its files are page-aligned bolt
// databases). The state is therefore followed by zero bytes up to a multiple
// of 512, and the sha covers them; a reader of the stream stops at its
// 'end' frame (store/mvcc/snapshot.ts) and never sees the padding. Like
// etcd's, the responses carry no header.

import { createHash } from 'node:crypto';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { toServiceError } from '../../../errors.js';
import { refusedRequest } from '../../grpc/request-checks.js';
import type * as w from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { asWireError } from '../unary.js';

/** etcd's client wants the data (before the sha) to be a multiple of this. */
const snapshotAlignBytes = 512;
const shaBytes = 32;

export function snapshot(ctx: ApiContext) {
  return (call: ServerWritableStream<w.SnapshotRequest<'in'>, w.SnapshotResponse<'out'>>) => {
    const refused = refusedRequest(call.request);
    if (refused !== undefined) call.destroy(toServiceError(refused) as unknown as Error);
    else void stream(ctx, call);
  };
}

async function stream(
  ctx: ApiContext,
  call: ServerWritableStream<w.SnapshotRequest<'in'>, w.SnapshotResponse<'out'>>,
): Promise<void> {
  try {
    // Collected first: remaining_bytes needs the total, as etcd sends it.
    const chunks: Uint8Array[] = [];
    for await (const c of ctx.mvcc.exportSnapshot()) chunks.push(c);
    const length = chunks.reduce((n, c) => n + c.length, 0);
    const padding = (snapshotAlignBytes - (length % snapshotAlignBytes)) % snapshotAlignBytes;
    if (padding > 0) chunks.push(new Uint8Array(padding));
    const sha = createHash('sha256');
    for (const c of chunks) sha.update(c);
    chunks.push(sha.digest());
    let remaining = length + padding + shaBytes;
    for (const blob of chunks) {
      remaining -= blob.length;
      if (call.cancelled) return;
      const ok = call.write({ remaining_bytes: remaining, blob });
      if (!ok) await new Promise((r) => call.once('drain', r));
    }
    call.end();
  } catch (err) {
    call.destroy(toServiceError(asWireError(err, ctx.log, 'Snapshot')) as unknown as Error);
  }
}
