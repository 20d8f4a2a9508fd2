// etcd's waitDeletes (concurrency/key.go), shared by the lock and the
// election: wait until no key under `prefix` was created at or below
// `maxCreateRevision`. Each round reads the newest such key (largest
// create revision, so the one queued right before us) and watches it from
// the read's header revision until a delete event; then reads again.
// Waiting on one predecessor at a time avoids a thundering herd: a release
// wakes only the next waiter.

import type { Bytes, ResponseHeader, Revision } from './codec.js';
import { AbortedError, EtcdClientError } from './errors.js';
import type { RecipeClient } from './session.js';

export async function waitDeletes(
  client: RecipeClient,
  prefix: Bytes,
  maxCreateRevision: Revision,
  signal?: AbortSignal,
): Promise<ResponseHeader> {
  for (;;) {
    if (signal?.aborted) throw new AbortedError();
    const r = await client.get(prefix, {
      prefix: true,
      sort: { target: 'create', order: 'descend' },
      limit: 1,
      maxCreateRevision,
      signal,
    });
    const last = r.kvs[0];
    if (last === undefined) return r.header;
    await waitDelete(client, last.key, r.header.revision, signal);
  }
}

/** Resolves once `key` is deleted at or after `revision`. */
export async function waitDelete(
  client: RecipeClient,
  key: Bytes,
  revision: Revision,
  signal?: AbortSignal,
): Promise<void> {
  if (signal?.aborted) throw new AbortedError();
  const watcher = client.watch({ key, startRevision: revision });
  const onAbort = (): void => void watcher.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const res of watcher) {
      if (res.events.some((e) => e.type === 'delete')) return;
    }
    if (signal?.aborted) throw new AbortedError();
    throw new EtcdClientError('capstan client: lost watcher waiting for delete', undefined);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await watcher.cancel();
  }
}
