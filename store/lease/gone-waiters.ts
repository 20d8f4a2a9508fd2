// Renewals that found their lease expired wait here until the lease is
// revoked (the renewal then reports "not found": the keepalive answers
// TTL 0) or this member stops being the primary (the renewal is tried again
// at the new leader), as etcd's Renew waits on the lease's revokec or the
// lessor's demotec.

export type GoneReason = 'revoked' | 'demoted' | 'aborted';

export class GoneWaiters {
  private readonly waiting = new Map<bigint, Set<(r: GoneReason) => void>>();

  get size(): number {
    let n = 0;
    for (const s of this.waiting.values()) n += s.size;
    return n;
  }

  wait(id: bigint, signal?: AbortSignal): Promise<GoneReason> {
    if (signal?.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      let set = this.waiting.get(id);
      if (set === undefined) this.waiting.set(id, (set = new Set()));
      const done = (r: GoneReason): void => {
        set.delete(done);
        if (set.size === 0 && this.waiting.get(id) === set) this.waiting.delete(id);
        signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const onAbort = (): void => done('aborted');
      signal?.addEventListener('abort', onAbort, { once: true });
      set.add(done);
    });
  }

  wake(id: bigint, reason: GoneReason): void {
    const set = this.waiting.get(id);
    if (set === undefined) return;
    for (const done of [...set]) done(reason);
  }

  /** Wakes every waiter whose lease `exists` no longer finds. */
  wakeMissing(exists: (id: bigint) => boolean, reason: GoneReason): void {
    for (const id of [...this.waiting.keys()]) if (!exists(id)) this.wake(id, reason);
  }

  wakeAll(reason: GoneReason): void {
    for (const id of [...this.waiting.keys()]) this.wake(id, reason);
  }
}
