// The commands of `capstan ctl`, each a function from parsed arguments to
// the text to print. They talk to the cluster through EtcdClient.

import { writeFile } from 'node:fs/promises';
import type { EtcdClient } from '../etcd-client.js';
import type * as w from '../../server/grpc/wire-types.js';
import { SortOrder, SortTarget } from '../../server/grpc/wire-types.js';
import { hexId, table, toJson, type OutputFormat } from './output.js';
import { parseTxn } from './txn-syntax.js';
import { clientProtos } from '../../server/grpc/protos.js';
import * as grpc from '@grpc/grpc-js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Ctx {
  client: EtcdClient;
  endpoints: string[];
  out: OutputFormat;
}

/** The key just past every key with this prefix (etcd's prefix range end). */
export function prefixEnd(key: Buffer): Buffer {
  const end = Buffer.from(key);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // every key from `key` on
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

export async function get(ctx: Ctx, args: string[], o: GetOptions): Promise<string> {
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
  const res = await ctx.client.range({
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
  ctx: Ctx,
  args: string[],
  o: { prevKv?: boolean; lease?: string },
): Promise<string> {
  const [k, v] = args;
  if (k === undefined || v === undefined) throw new UsageError('put needs a key and a value');
  const res = await ctx.client.put({
    key: Buffer.from(k),
    value: Buffer.from(v),
    prev_kv: o.prevKv === true,
    lease: o.lease === undefined ? 0 : BigInt(`0x${o.lease}`).toString(),
  });
  if (ctx.out === 'json') return toJson(res);
  return o.prevKv && res.prev_kv ? `OK\n${kvLines([res.prev_kv], false)}` : 'OK';
}

export async function del(
  ctx: Ctx,
  args: string[],
  o: { prefix?: boolean; fromKey?: boolean; prevKv?: boolean },
): Promise<string> {
  const [k, end] = args;
  if (k === undefined) throw new UsageError('del needs a key');
  const res = await ctx.client.deleteRange({ ...keyRange(k, end, o), prev_kv: o.prevKv === true });
  if (ctx.out === 'json') return toJson(res);
  return [res.deleted, ...(o.prevKv ? [kvLines(res.prev_kvs, false)] : [])]
    .filter((s) => s !== '')
    .join('\n');
}

export async function txn(ctx: Ctx, input: string): Promise<string> {
  const res = await ctx.client.txn(parseTxn(input));
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
  ctx: Ctx,
  args: string[],
  o: { physical?: boolean },
): Promise<string> {
  const [rev] = args;
  if (rev === undefined || !/^\d+$/.test(rev)) throw new UsageError('compaction needs a revision');
  const res = await ctx.client.compact({ revision: rev, physical: o.physical === true });
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

function membersText(ctx: Ctx, res: { members: w.Member<'in'>[] }): string {
  if (ctx.out === 'json') return toJson(res);
  const rows = memberRows(res.members);
  return ctx.out === 'table' ? table(memberHeader, rows) : rows.map((r) => r.join(', ')).join('\n');
}

export async function member(
  ctx: Ctx,
  args: string[],
  o: { peerUrls?: string; learner?: boolean },
): Promise<string> {
  const [sub, arg] = args;
  switch (sub) {
    case 'list':
      return membersText(ctx, await ctx.client.memberList({}));
    case 'add': {
      if (!o.peerUrls) throw new UsageError('member add needs --peer-urls');
      const res = await ctx.client.memberAdd({
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
          ? await ctx.client.memberRemove({ ID })
          : await ctx.client.memberPromote({ ID });
      if (ctx.out === 'json') return toJson(res);
      return `Member ${arg} ${sub === 'remove' ? 'removed from' : 'promoted in'} cluster ${hexId(res.header!.cluster_id)}`;
    }
    default:
      throw new UsageError(
        'member: list | add --peer-urls=URLS [--learner] | remove ID | promote ID',
      );
  }
}

export async function endpoint(
  ctx: Ctx,
  args: string[],
  clientFor: (ep: string) => EtcdClient,
): Promise<string> {
  const [sub] = args;
  if (sub === 'status') {
    const rows: string[][] = [];
    const raw: unknown[] = [];
    for (const ep of ctx.endpoints) {
      const c = clientFor(ep);
      const s = await c.status({});
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
        await clientFor(ep).range({ key: Buffer.from('health') });
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

export async function moveLeader(
  ctx: Ctx,
  args: string[],
  clientFor: (ep: string) => EtcdClient,
): Promise<string> {
  const [id] = args;
  if (!id) throw new UsageError('move-leader needs the target member id (hex)');
  // Only the leader moves leadership, as in etcdctl: find it among the endpoints.
  for (const ep of ctx.endpoints) {
    const c = clientFor(ep);
    const s = await c.status({});
    if (s.leader !== s.header?.member_id) continue;
    await c.moveLeader({ targetID: BigInt(`0x${id}`).toString() });
    return `Leadership transferred from ${hexId(s.leader)} to ${id}`;
  }
  throw new UsageError(
    "no leader among the endpoints (give the leader's endpoint with --endpoints)",
  );
}

export async function snapshotSave(ctx: Ctx, args: string[]): Promise<string> {
  const [sub, file] = args;
  if (sub !== 'save' || !file) throw new UsageError('snapshot save FILE');
  const protos = clientProtos();
  const client = new protos.clients.Maintenance(
    ctx.client.endpoint,
    grpc.credentials.createInsecure(),
  );
  try {
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = (
        client as unknown as {
          Snapshot(req: object): grpc.ClientReadableStream<w.SnapshotResponse<'in'>>;
        }
      ).Snapshot({});
      call.on('data', (r: w.SnapshotResponse<'in'>) => chunks.push(r.blob));
      call.on('error', reject);
      call.on('end', resolve);
    });
    await writeFile(file, Buffer.concat(chunks));
  } finally {
    client.close();
  }
  return `Snapshot saved at ${file}`;
}
