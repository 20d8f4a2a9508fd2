// `capstan ctl alarm list|disarm` and `capstan ctl defrag`, printing what
// etcdctl 3.4 prints: one alarm per line in etcd's text form
// (`memberID:<decimal> alarm:NOSPACE `), `Finished defragmenting etcd
// member[<endpoint>]` per member. JSON output is the response (int64 as
// decimal strings, as everywhere in capstan ctl); like etcdctl, these
// commands have no table form.

import * as grpc from '@grpc/grpc-js';
import { etcdErrorFromStatus } from '../../errors.js';
import { alarmMemberText } from '../../server/api/maintenance/alarm-text.js';
import { clientProtos } from '../../server/grpc/protos.js';
import { AlarmAction, AlarmType } from '../../server/grpc/wire-types.js';
import type * as w from '../../server/grpc/wire-types.js';
import { defaultRequestTimeoutMs } from '../etcd-client.js';
import type { Ctx } from './commands.js';
import { UsageError } from './commands.js';
import { toJson } from './output.js';

/** A defragmentation rewrites a member's whole database: give it longer than a request. */
export const defragTimeoutMs = 60_000;

type UnaryFn = (
  req: object,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => void;

/** One Maintenance call on one endpoint (the typed client does not offer Alarm and Defragment). */
async function maintenanceCall<Res>(
  endpoint: string,
  method: 'Alarm' | 'Defragment',
  req: object,
  timeoutMs: number,
): Promise<Res> {
  const Maintenance = clientProtos().clients.Maintenance;
  const target = endpoint.replace(/^https?:\/\//, '').replace(/\/$/, '');
  const client = new Maintenance(target, grpc.credentials.createInsecure());
  try {
    const fn = (client as unknown as Record<string, UnaryFn>)[method]!;
    return await new Promise<Res>((resolve, reject) =>
      fn.call(client, req, { deadline: Date.now() + timeoutMs }, (err, res) =>
        err ? reject(etcdErrorFromStatus(err) ?? err) : resolve(res as Res),
      ),
    );
  } finally {
    client.close();
  }
}

function alarmRequest(ctx: Ctx, req: w.AlarmRequest<'out'>): Promise<w.AlarmResponse<'in'>> {
  return maintenanceCall(ctx.client.endpoint, 'Alarm', req, defaultRequestTimeoutMs);
}

function printAlarms(ctx: Ctx, alarms: readonly w.AlarmMember<'in'>[]): string {
  if (ctx.out === 'json') return toJson({ alarms });
  return alarms.map((a) => alarmMemberText(a.memberID, a.alarm)).join('\n');
}

/** `alarm list`: every active alarm. `alarm disarm`: deactivates each, printing those it removed. */
export async function alarm(ctx: Ctx, args: string[]): Promise<string> {
  const [sub] = args;
  if (sub !== 'list' && sub !== 'disarm') throw new UsageError('alarm: list | disarm');
  if (ctx.out === 'table') throw new Error('table not supported as output format');
  const listed = await alarmRequest(ctx, {
    action: AlarmAction.GET,
    memberID: '0',
    alarm: AlarmType.NONE,
  });
  if (sub === 'list') return printAlarms(ctx, listed.alarms);
  // As etcd's client: list, then deactivate every listed alarm by its member and type.
  const disarmed: w.AlarmMember<'in'>[] = [];
  for (const a of listed.alarms) {
    const res = await alarmRequest(ctx, {
      action: AlarmAction.DEACTIVATE,
      memberID: a.memberID,
      alarm: a.alarm,
    });
    disarmed.push(...res.alarms);
  }
  return printAlarms(ctx, disarmed);
}

export interface DefragOptions {
  /** Every member's client URLs, from the member list (etcdctl's --cluster). */
  cluster?: boolean;
}

/** `defrag`: each endpoint (or every member with --cluster) in turn; fails if any member failed. */
export async function defrag(ctx: Ctx, args: string[], o: DefragOptions): Promise<string> {
  if (args.length > 0) throw new UsageError('defrag takes no arguments (use --endpoints)');
  let endpoints = ctx.endpoints;
  if (o.cluster) {
    const list = await ctx.client.memberList({});
    endpoints = list.members.flatMap((m) => m.clientURLs);
  }
  const lines: string[] = [];
  let failed = false;
  for (const ep of endpoints) {
    try {
      await maintenanceCall(ep, 'Defragment', {}, defragTimeoutMs);
      lines.push(`Finished defragmenting etcd member[${ep}]`);
    } catch (e) {
      failed = true;
      lines.push(
        `Failed to defragment etcd member[${ep}] (${e instanceof Error ? e.message : String(e)})`,
      );
    }
  }
  if (failed) throw Object.assign(new Error(lines.join('\n')), { name: 'DefragFailed' });
  return lines.join('\n');
}
