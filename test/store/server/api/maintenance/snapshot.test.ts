// Maintenance.Snapshot sends what etcd's client accepts: the state, zero
// bytes up to a multiple of 512, then the sha256 of all of it (etcdctl
// snapshot save refuses a stream whose length is not 32 more than a
// multiple of 512); remaining_bytes counts down to 0; no header.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import test from 'node:test';
import type { ApiContext } from '../../../../../store/server/api/context.js';
import { snapshot } from '../../../../../store/server/api/maintenance/snapshot.js';
import { createLogger } from '../../../../../store/server/logger.js';

interface Sent {
  remaining_bytes: number;
  blob: Uint8Array;
  header?: unknown;
}

async function stream(state: Uint8Array[]): Promise<Sent[]> {
  const ctx = {
    log: createLogger('silent', {}),
    mvcc: {
      async *exportSnapshot() {
        yield* state;
      },
    },
  } as unknown as ApiContext;
  const sent: Sent[] = [];
  await new Promise<void>((resolve, reject) => {
    const call = {
      request: {},
      cancelled: false,
      write: (msg: Sent) => sent.push(msg) > 0,
      end: () => resolve(),
      destroy: (err: Error) => reject(err),
      once: () => undefined,
    };
    snapshot(ctx)(call as never);
  });
  return sent;
}

for (const sizes of [[1000, 300], [512], [1]]) {
  test(`a state of ${sizes.join(' + ')} bytes streams as etcd's client wants it`, async () => {
    const state = sizes.map((n, i) => new Uint8Array(n).fill(i + 1));
    const sent = await stream(state);
    const all = Buffer.concat(sent.map((m) => m.blob));
    const stateBytes = sizes.reduce((a, b) => a + b, 0);
    assert.equal(all.length % 512, 32, 'a multiple of 512, then the sha');
    const body = all.subarray(0, all.length - 32);
    assert.deepEqual(body.subarray(0, stateBytes), Buffer.concat(state));
    assert.ok(
      body.subarray(stateBytes).every((b) => b === 0),
      'zero padding',
    );
    assert.deepEqual(all.subarray(all.length - 32), createHash('sha256').update(body).digest());
    assert.equal(sent.at(-1)?.remaining_bytes, 0);
    let left = all.length;
    for (const m of sent) {
      left -= m.blob.length;
      assert.equal(m.remaining_bytes, left);
      assert.equal(m.header, undefined);
    }
  });
}
