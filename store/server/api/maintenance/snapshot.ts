// Maintenance.Snapshot: a consistent backup of the whole state, streamed in
// chunks, followed — as etcd does — by the sha256 of everything before it,
// so a restore can verify the file.

import { createHash } from 'node:crypto';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { toServiceError } from '../../../errors.js';
import type * as w from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { asWireError } from '../unary.js';

export function snapshot(ctx: ApiContext) {
  return (call: ServerWritableStream<w.SnapshotRequest<'in'>, w.SnapshotResponse<'out'>>) => {
    void stream(ctx, call);
  };
}

async function stream(
  ctx: ApiContext,
  call: ServerWritableStream<w.SnapshotRequest<'in'>, w.SnapshotResponse<'out'>>,
): Promise<void> {
  try {
    const header = ctx.header(ctx.mvcc.currentRevision());
    // Collected first: remaining_bytes needs the total, as etcd sends it.
    const chunks: Uint8Array[] = [];
    for await (const c of ctx.mvcc.exportSnapshot()) chunks.push(c);
    const sha = createHash('sha256');
    for (const c of chunks) sha.update(c);
    chunks.push(sha.digest());
    let remaining = chunks.reduce((n, c) => n + c.length, 0);
    for (const blob of chunks) {
      remaining -= blob.length;
      if (call.cancelled) return;
      const ok = call.write({ header, remaining_bytes: remaining, blob });
      if (!ok) await new Promise((r) => call.once('drain', r));
    }
    call.end();
  } catch (err) {
    call.destroy(toServiceError(asWireError(err, ctx.log, 'Snapshot')) as unknown as Error);
  }
}
