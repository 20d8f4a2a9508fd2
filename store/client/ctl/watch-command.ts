// `capstan ctl watch KEY [END] [--prefix] [--rev N] [--prev-kv] [--progress-notify]`,
// printing as etcdctl 3.4 does: for each event its type (PUT, DELETE), the
// previous key and value when asked for, then the key and value, one per
// line. It runs until interrupted (exit 0) or until the server cancels the
// watch (compaction): then, as etcdctl, "watch was canceled (<reason>)" and
// exit code 5.

import { CompactedError, EtcdClientError, WatchCanceledError } from '../errors.js';
import type { KeyValue } from '../codec.js';
import type { WatchResponse } from '../watch.js';
import { CtlError, UsageError, exitCodes, type StoreCtx } from './commands.js';
import { toJson } from './output.js';

export interface WatchFlags {
  prefix?: boolean;
  rev?: string;
  prevKv?: boolean;
  progressNotify?: boolean;
}

const kvLines = (kv: KeyValue): string[] => [kv.key.toString(), kv.value.toString()];

/** etcdctl's simple rendering of one watch response. */
export function watchText(r: WatchResponse): string {
  const lines: string[] = [];
  if (r.progress) lines.push(`progress notify: ${r.revision}`);
  for (const e of r.events) {
    lines.push(e.type === 'put' ? 'PUT' : 'DELETE');
    if (e.prevKv !== undefined) lines.push(...kvLines(e.prevKv));
    lines.push(...kvLines(e.kv));
  }
  return lines.join('\n');
}

export async function watch(ctx: StoreCtx, args: string[], o: WatchFlags): Promise<string> {
  const [key, end] = args;
  if (key === undefined) throw new UsageError('watch needs a key');
  if (o.prefix && end !== undefined)
    throw new UsageError('watch: give a range end or --prefix, not both');
  if (o.rev !== undefined && !/^\d+$/.test(o.rev)) throw new UsageError('--rev must be a revision');
  const watcher = ctx.store.watch({
    key,
    ...(o.prefix ? { prefix: true } : {}),
    ...(end !== undefined ? { rangeEnd: end } : {}),
    startRevision: BigInt(o.rev ?? 0),
    prevKv: o.prevKv === true,
    progressNotify: o.progressNotify === true,
  });
  const stop = (): void => void watcher.cancel();
  ctx.signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const r of watcher) {
      const text = ctx.out === 'json' ? toJson(r) : watchText(r);
      if (text !== '') ctx.print(text);
    }
    return '';
  } catch (e) {
    if (e instanceof CompactedError || e instanceof WatchCanceledError || isCancel(e)) {
      ctx.warn(`watch was canceled (${(e as Error).message})`);
      throw new CtlError('watch is canceled by the server', exitCodes.interrupted);
    }
    throw e;
  } finally {
    ctx.signal.removeEventListener('abort', stop);
  }
}

/** Errors the server sends by canceling one watch (permission denied, …) rather than the stream. */
function isCancel(e: unknown): boolean {
  return e instanceof EtcdClientError && e.etcdCode !== undefined && e.etcdCode !== 'NoLeader';
}
