// The commands of `capstan ctl`, each a function from parsed arguments to
// the text to print. They talk to the cluster through the typed Client
// (failover across --endpoints, the retry rule); the plain commands use its
// wire-shaped calls so `-w json` prints responses as the wire carries them.

import { open, rename, rm } from 'node:fs/promises';
import type { Client } from '../client.js';
import type { EtcdClient } from '../etcd-client.js';
import type * as w from '../../server/grpc/wire-types.js';
import { SortOrder, SortTarget } from '../../server/grpc/wire-types.js';
import { hexId, table, toJson, type OutputFormat } from './output.js';
import { parseTxn } from './txn-syntax.js';
import { prefixEnd } from '../kv.js';

export { prefixEnd };

export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure that ends the command with etcdctl's exit code for it (after "Error: <message>"). */
export class CtlError extends Error {
  override name = 'CtlError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** etcdctl's exit codes (ctlv3/command/error.go). */
export const exitCodes = { error: 1, badConnection: 2, interrupted: 5 } as const;

/** What every command gets. */
export interface Ctx {
  /** A plain client of the first endpoint (for commands not yet on the typed client). */
  client: EtcdClient;
  endpoints: string[];
  out: OutputFormat;
}

/** What commands on the typed client get: it fails over across every endpoint. */
export interface StoreCtx extends Ctx {
  store: Client;
  /** Prints to stdout at once (long-running commands print as they go). */
  print: (text: string) => void;
  /** Prints to stderr at once. */
  warn: (text: string) => void;
  /** Aborted on SIGINT or SIGTERM: long-running commands clean up and end. */
  signal: AbortSignal;
}

/**
 * The key and range end a command means, as etcdctl computes them: a prefix
 * range, everything from a key on, an explicit end, or the key alone. An
 * empty key with --prefix or --from-key means every key ("\0" to "\0").
 */
function keyRange(
  k: string,
  end: string | undefined,
  o: { prefix?: boolean; fromKey?: boolean },
): { key: Buffer; range_end?: Buffer } {
  const key = Buffer.from(k);
  const zero = Buffer.from([0]);
  if ((o.prefix || o.fromKey) && key.length === 0) return { key: zero, range_end: zero };
  if (o.prefix) return { key, range_end: prefixEnd(key) };
  if (o.fromKey) return { key, range_end: zero };
  return end === undefined ? { key } : { key, range_end: Buffer.from(end) };
}

function kvLines(kvs: readonly w.KeyValue<'in'>[], keysOnly: boolean): string {
  return kvs
    .flatMap((kv) => (keysOnly ? [kv.key.toString()] : [kv.key.toString(), kv.value.toString()]))
    .join('\n');
}

export interface GetOptions {
  prefix?: boolean;
  fromKey?: boolean;
  limit?: string;
  rev?: string;
  keysOnly?: boolean;
  countOnly?: boolean;
  consistency?: string;
  sortBy?: string;
  order?: string;
}

const sortTargets: Record<string, number> = {
  KEY: SortTarget.KEY,
  VERSION: SortTarget.VERSION,
  CREATE: SortTarget.CREATE,
  MODIFY: SortTarget.MOD,
  VALUE: SortTarget.VALUE,
};
const sortOrders: Record<string, number> = { ASCEND: SortOrder.ASCEND, DESCEND: SortOrder.DESCEND };

export async function get(ctx: StoreCtx, args: string[], o: GetOptions): Promise<string> {
  const [k, end] = args;
  if (k === undefined) throw new UsageError('get needs a key');
  if (o.consistency && o.consistency !== 'l' && o.consistency !== 's') {
    throw new UsageError('--consistency must be l or s');
  }
  const sortTarget = o.sortBy === undefined ? undefined : sortTargets[o.sortBy.toUpperCase()];
  if (o.sortBy !== undefined && sortTarget === undefined)
    throw new UsageError(`unknown --sort-by ${o.sortBy}`);
  const sortOrder = o.order === undefined ? undefined : sortOrders[o.order.toUpperCase()];
  if (o.order !== undefined && sortOrder === undefined)
    throw new UsageError(`unknown --order ${o.order}`);
  const res = await ctx.store.wire.range({
    ...keyRange(k, end, o),
    limit: o.limit ?? 0,
    revision: o.rev ?? 0,
    keys_only: o.keysOnly === true,
    count_only: o.countOnly === true,
    serializable: o.consistency === 's',
    sort_target: (sortTarget ?? SortTarget.KEY) as 0,
    sort_order: (sortOrder ?? (sortTarget !== undefined ? SortOrder.ASCEND : SortOrder.NONE)) as 0,
  });
  if (ctx.out === 'json') return toJson(res);
  if (o.countOnly) return res.count;
  return kvLines(res.kvs, o.keysOnly === true);
}

export async function put(
  ctx: StoreCtx,
  args: string[],
  o: { prevKv?: boolean; lease?: string },
): Promise<string> {
  const [k, v] = args;
  if (k === undefined || v === undefined) throw new UsageError('put needs a key and a value');
  const res = await ctx.store.wire.put({
    key: Buffer.from(k),
    value: Buffer.from(v),
    prev_kv: o.prevKv === true,
    lease: o.lease === undefined ? 0 : BigInt(`0x${o.lease}`).toString(),
  });
  if (ctx.out === 'json') return toJson(res);
  return o.prevKv && res.prev_kv ? `OK\n${kvLines([res.prev_kv], false)}` : 'OK';
}

export async function del(
  ctx: StoreCtx,
  args: string[],
  o: { prefix?: boolean; fromKey?: boolean; prevKv?: boolean },
): Promise<string> {
  const [k, end] = args;
  if (k === undefined) throw new UsageError('del needs a key');
  const res = await ctx.store.wire.deleteRange({
    ...keyRange(k, end, o),
    prev_kv: o.prevKv === true,
  });
  if (ctx.out === 'json') return toJson(res);
  return [res.deleted, ...(o.prevKv ? [kvLines(res.prev_kvs, false)] : [])]
    .filter((s) => s !== '')
    .join('\n');
}

export async function txn(ctx: StoreCtx, input: string): Promise<string> {
  const res = await ctx.store.wire.txn(parseTxn(input));
  if (ctx.out === 'json') return toJson(res);
  const lines = [res.succeeded ? 'SUCCESS' : 'FAILURE'];
  for (const r of res.responses) {
    if (r.response === 'response_put') lines.push('', 'OK');
    else if (r.response === 'response_range') lines.push('', kvLines(r.response_range.kvs, false));
    else if (r.response === 'response_delete_range')
      lines.push('', r.response_delete_range.deleted);
  }
  return lines.join('\n');
}

export async function compaction(
  ctx: StoreCtx,
  args: string[],
  o: { physical?: boolean },
): Promise<string> {
  const [rev] = args;
  if (rev === undefined || !/^\d+$/.test(rev)) throw new UsageError('compaction needs a revision');
  const res = await ctx.store.wire.compact({ revision: rev, physical: o.physical === true });
  return ctx.out === 'json' ? toJson(res) : `compacted revision ${rev}`;
}

function memberRows(members: readonly w.Member<'in'>[]): string[][] {
  return members.map((m) => [
    hexId(m.ID),
    m.name === '' ? 'unstarted' : 'started',
    m.name,
    m.peerURLs.join(','),
    m.clientURLs.join(','),
    String(m.isLearner),
  ]);
}

const memberHeader = ['ID', 'STATUS', 'NAME', 'PEER ADDRS', 'CLIENT ADDRS', 'IS LEARNER'];

function membersText(ctx: StoreCtx, res: { members: w.Member<'in'>[] }): string {
  if (ctx.out === 'json') return toJson(res);
  const rows = memberRows(res.members);
  return ctx.out === 'table' ? table(memberHeader, rows) : rows.map((r) => r.join(', ')).join('\n');
}

export async function member(
  ctx: StoreCtx,
  args: string[],
  o: { peerUrls?: string; learner?: boolean },
): Promise<string> {
  const [sub, arg] = args;
  switch (sub) {
    case 'list':
      return membersText(ctx, await ctx.store.wire.memberList({}));
    case 'add': {
      if (!o.peerUrls) throw new UsageError('member add needs --peer-urls');
      const res = await ctx.store.wire.memberAdd({
        peerURLs: o.peerUrls.split(','),
        isLearner: o.learner === true,
      });
      if (ctx.out === 'json') return toJson(res);
      return `Member ${hexId(res.member!.ID)} added to cluster ${hexId(res.header!.cluster_id)}`;
    }
    case 'remove':
    case 'promote': {
      if (!arg) throw new UsageError(`member ${sub} needs a member id (hex)`);
      const ID = BigInt(`0x${arg}`).toString();
      const res =
        sub === 'remove'
          ? await ctx.store.wire.memberRemove({ ID })
          : await ctx.store.wire.memberPromote({ ID });
      if (ctx.out === 'json') return toJson(res);
      return `Member ${arg} ${sub === 'remove' ? 'removed from' : 'promoted in'} cluster ${hexId(res.header!.cluster_id)}`;
    }
    default:
      throw new UsageError(
        'member: list | add --peer-urls=URLS [--learner] | remove ID | promote ID',
      );
  }
}

export async function endpoint(ctx: StoreCtx, args: string[]): Promise<string> {
  const [sub] = args;
  if (sub === 'status') {
    const rows: string[][] = [];
    const raw: unknown[] = [];
    for (const ep of ctx.endpoints) {
      const s = await ctx.store.wire.status({}, { endpoint: ep });
      raw.push({ Endpoint: ep, Status: s });
      rows.push([
        ep,
        hexId(s.header!.member_id),
        s.version,
        s.dbSize,
        String(s.leader === s.header!.member_id),
        String(s.isLearner),
        s.raftTerm,
        s.raftIndex,
        s.raftAppliedIndex,
        s.errors.join(', '),
      ]);
    }
    if (ctx.out === 'json') return toJson(raw);
    const header = [
      'ENDPOINT',
      'ID',
      'VERSION',
      'DB SIZE',
      'IS LEADER',
      'IS LEARNER',
      'RAFT TERM',
      'RAFT INDEX',
      'RAFT APPLIED INDEX',
      'ERRORS',
    ];
    return ctx.out === 'table' ? table(header, rows) : rows.map((r) => r.join(', ')).join('\n');
  }
  if (sub === 'health') {
    const lines: string[] = [];
    let healthy = true;
    for (const ep of ctx.endpoints) {
      const started = performance.now();
      try {
        // etcdctl's health check: a linearizable read of the key "health".
        await ctx.store.wire.range({ key: Buffer.from('health') }, { endpoint: ep });
        lines.push(
          `${ep} is healthy: successfully committed proposal: took = ${(performance.now() - started).toFixed(3)}ms`,
        );
      } catch (e) {
        healthy = false;
        lines.push(`${ep} is unhealthy: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (!healthy) throw Object.assign(new Error(lines.join('\n')), { name: 'Unhealthy' });
    return lines.join('\n');
  }
  throw new UsageError('endpoint: status | health');
}

export async function moveLeader(ctx: StoreCtx, args: string[]): Promise<string> {
  const [id] = args;
  if (!id) throw new UsageError('move-leader needs the target member id (hex)');
  // Only the leader moves leadership, as in etcdctl: find it among the endpoints.
  for (const ep of ctx.endpoints) {
    const s = await ctx.store.wire.status({}, { endpoint: ep });
    if (s.leader !== s.header?.member_id) continue;
    await ctx.store.wire.moveLeader({ targetID: BigInt(`0x${id}`).toString() }, { endpoint: ep });
    return `Leadership transferred from ${hexId(s.leader)} to ${id}`;
  }
  throw new UsageError(
    "no leader among the endpoints (give the leader's endpoint with --endpoints)",
  );
}

export async function snapshotSave(ctx: StoreCtx, args: string[]): Promise<string> {
  const [sub, file] = args;
  if (sub !== 'save' || !file) throw new UsageError('snapshot save FILE');
  // As etcdctl: stream into FILE.part, rename once complete.
  const partial = `${file}.part`;
  const out = await open(partial, 'w');
  try {
    for await (const chunk of ctx.store.snapshot({ endpoint: ctx.endpoints[0] })) {
      await out.write(chunk);
    }
    await out.sync();
  } catch (e) {
    await out.close();
    await rm(partial, { force: true });
    throw e;
  }
  await out.close();
  await rename(partial, file);
  return `Snapshot saved at ${file}`;
}
