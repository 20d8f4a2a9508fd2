// `capstan ctl lease grant|revoke|timetolive|list|keep-alive`, printing what
// etcdctl 3.4 prints (its simple printer): lease ids as 16 hex digits.

import { Int64RangeError, parseHexId } from '../codec.js';
import { LeaseNotFoundError, type EtcdClientError } from '../errors.js';
import { CtlError, UsageError, exitCodes, type StoreCtx } from './commands.js';
import { toJson } from './output.js';

/** Go's %016x of an int64 lease id. */
export function leaseHex(id: bigint): string {
  return id < 0n ? `-${(-id).toString(16).padStart(16, '0')}` : id.toString(16).padStart(16, '0');
}

function leaseArg(arg: string | undefined, sub: string): bigint {
  if (arg === undefined) throw new UsageError(`lease ${sub} needs a lease id (hex)`);
  try {
    return parseHexId(arg);
  } catch (e) {
    if (e instanceof Int64RangeError)
      throw new UsageError(`bad lease ID arg (${arg}), expecting ID in Hex`);
    throw e;
  }
}

export interface LeaseFlags {
  keys?: boolean;
  once?: boolean;
}

export async function lease(ctx: StoreCtx, args: string[], o: LeaseFlags): Promise<string> {
  const [sub, arg] = args;
  switch (sub) {
    case 'grant': {
      if (arg === undefined || !/^\d+$/.test(arg))
        throw new UsageError('lease grant needs a TTL in seconds');
      const res = await ctx.store.wire
        .leaseGrant({ TTL: arg, ID: '0' })
        .catch((e: EtcdClientError) => {
          throw new CtlError(`failed to grant lease (${e.message})`, exitCodes.error);
        });
      if (ctx.out === 'json') return toJson(res);
      return `lease ${leaseHex(BigInt(res.ID))} granted with TTL(${res.TTL}s)`;
    }
    case 'revoke': {
      const id = leaseArg(arg, sub);
      const res = await ctx.store.wire
        .leaseRevoke({ ID: id.toString() })
        .catch((e: EtcdClientError) => {
          throw new CtlError(`failed to revoke lease (${e.message})`, exitCodes.error);
        });
      if (ctx.out === 'json') return toJson(res);
      return `lease ${leaseHex(id)} revoked`;
    }
    case 'timetolive': {
      const id = leaseArg(arg, sub);
      const res = await ctx.store.wire.leaseTimeToLive({
        ID: id.toString(),
        keys: o.keys === true,
      });
      if (ctx.out === 'json') return toJson(res);
      if (res.grantedTTL === '0' && res.TTL === '-1')
        return `lease ${leaseHex(id)} already expired`;
      let text = `lease ${leaseHex(BigInt(res.ID))} granted with TTL(${res.grantedTTL}s), remaining(${res.TTL}s)`;
      if (o.keys) text += `, attached keys([${res.keys.map((k) => k.toString()).join(' ')}])`;
      return text;
    }
    case 'list': {
      const res = await ctx.store.wire.leaseLeases({});
      if (ctx.out === 'json') return toJson(res);
      return [
        `found ${res.leases.length} leases`,
        ...res.leases.map((l) => leaseHex(BigInt(l.ID))),
      ].join('\n');
    }
    case 'keep-alive':
      return keepAlive(ctx, leaseArg(arg, sub), o.once === true);
    default:
      throw new UsageError(
        'lease: grant TTL | revoke ID | timetolive ID [--keys] | list | keep-alive [--once] ID',
      );
  }
}

async function keepAlive(ctx: StoreCtx, id: bigint, once: boolean): Promise<string> {
  const line = (ttl: number): string =>
    ctx.out === 'json'
      ? toJson({ ID: id.toString(), TTL: String(ttl) })
      : `lease ${leaseHex(id)} keepalived with TTL(${ttl})`;
  if (once) {
    try {
      const r = await ctx.store.leases.keepAliveOnce(id);
      return line(r.ttl);
    } catch (e) {
      // etcdctl reports a failed keep-alive as a connection problem.
      if (e instanceof LeaseNotFoundError) throw new CtlError(e.message, exitCodes.badConnection);
      throw e;
    }
  }
  const ka = ctx.store.leases.keepAlive(id);
  ka.on('renewed', (ttl: number) => ctx.print(line(ttl)));
  const stop = (): void => ka.close();
  ctx.signal.addEventListener('abort', stop, { once: true });
  try {
    await ka.done;
    return '';
  } catch {
    // Expired, revoked, or not renewable in time: etcdctl's keep-alive channel closes.
    return `lease ${leaseHex(id)} expired or revoked.`;
  } finally {
    ctx.signal.removeEventListener('abort', stop);
  }
}
