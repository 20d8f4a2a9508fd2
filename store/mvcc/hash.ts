// Hashes that members compare to detect divergence. Both read a backend
// snapshot opened through the write queue, so they describe exactly the
// state as of the call, physical compactions queued before it included —
// identical on every member that applied the same commands.
//
// - hashState: crc32 over every record of the live state (revisions,
//   members, compaction marks), except the applied index, which is raft
//   bookkeeping rather than replicated state.
// - hashKV: etcd's HashByRev (mvcc/kvstore.go): crc32 over the revision
//   records up to `rev`, skipping those at or below the compacted revision
//   that a compaction at `rev` would not keep (when it keeps any at all).

import { crc32 } from 'node:zlib';
import { etcdError } from '../errors.js';
import type { Backend } from './backend.js';
import type { RevisionRef } from './key-index.js';
import {
  appliedKey,
  mainOfRevisionKey,
  revisionRange,
  sameBytes,
  stateRange,
  subOfRevisionKey,
} from './keys.js';
import type { KvState } from './kv-state.js';
import type { HashKVResult, Revision } from './types.js';
import type { WriteQueue } from './write-queue.js';

export async function hashState(queue: WriteQueue, backend: Backend): Promise<number> {
  const it = await queue.run(() => backend.iterate(stateRange));
  let h = 0;
  for await (const batch of it) {
    for (const [key, value] of batch) {
      if (sameBytes(key, appliedKey)) continue;
      h = crc32(key, h);
      h = crc32(value, h);
    }
  }
  return h;
}

export async function hashKV(
  queue: WriteQueue,
  backend: Backend,
  state: KvState,
  revision: Revision,
): Promise<HashKVResult> {
  const compactRev = state.compactRev;
  const currentRev = state.currentRev;
  if (revision > 0 && revision <= compactRev) throw etcdError('Compacted');
  if (revision > 0 && revision > currentRev) throw etcdError('FutureRev');
  const rev = revision === 0 ? currentRev : revision;

  const keep = new Set<string>();
  const ref: RevisionRef = { main: 0, sub: 0 };
  state.forEachKey((ki) => {
    if (ki.keptAt(rev, ref)) keep.add(`${ref.main}.${ref.sub}`);
  });

  // A negative revision hashes nothing but the bucket name, as in etcd.
  const upper = Math.max(rev + 1, 0);
  const it = await queue.run(() => backend.iterate(revisionRange(0, upper)));
  let h = crc32('key');
  for await (const batch of it) {
    for (const [key, value] of batch) {
      const main = mainOfRevisionKey(key);
      if (main <= compactRev && keep.size > 0 && !keep.has(`${main}.${subOfRevisionKey(key)}`)) {
        continue;
      }
      h = crc32(key, h);
      h = crc32(value, h);
    }
  }
  return { hash: h, compactRevision: compactRev, revision: currentRev };
}
