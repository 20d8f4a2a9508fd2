// `capstan ctl`: our own client for the store's API (etcdctl's commands and
// output, plus JSON with exact 64-bit numbers). Wiring only.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Client } from '../store/client/client.js';
import { etcdClient } from '../store/client/etcd-client.js';
import * as c from '../store/client/ctl/commands.js';
import { elect, lock } from '../store/client/ctl/concurrency-commands.js';
import { lease } from '../store/client/ctl/lease-commands.js';
import { watch } from '../store/client/ctl/watch-command.js';
import * as maint from '../store/client/ctl/maintenance-commands.js';
import type { OutputFormat } from '../store/client/ctl/output.js';

export const ctlUsage = `usage: capstan ctl [--endpoints=host:port,...] [-w simple|json|table] <command> [args]

commands:
  get KEY [END] [--prefix] [--from-key] [--limit N] [--rev R] [--keys-only] [--count-only]
                [--consistency l|s] [--sort-by KEY|VERSION|CREATE|MODIFY|VALUE] [--order ASCEND|DESCEND]
  put KEY VALUE [--prev-kv] [--lease HEXID]
  del KEY [END] [--prefix] [--from-key] [--prev-kv]
  txn                 reads compares, success and failure requests from stdin (etcdctl's syntax)
  compaction REV [--physical]
  member list | add --peer-urls=URLS [--learner] | remove HEXID | promote HEXID
  endpoint status | health
  move-leader HEXID
  snapshot save FILE
  alarm list | disarm
  defrag [--cluster]
  watch KEY [END] [--prefix] [--rev R] [--prev-kv] [--progress-notify]
                      prints events until interrupted (Ctrl-C)
  lease grant TTL | revoke HEXID | timetolive HEXID [--keys] | list | keep-alive [--once] HEXID
  lock NAME [--ttl S] [-- COMMAND ARGS...]
                      holds the lock until interrupted, or while COMMAND runs
  elect NAME PROPOSAL | elect -l NAME
                      campaigns and leads until interrupted, or (-l) prints each leader

Requests fail over across --endpoints; reads are retried, writes only when
they surely did not run.`;

export async function runCtl(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      endpoints: { type: 'string', default: process.env['CAPSTAN_ENDPOINTS'] ?? '127.0.0.1:2379' },
      'write-out': { type: 'string', short: 'w', default: 'simple' },
      prefix: { type: 'boolean' },
      'from-key': { type: 'boolean' },
      limit: { type: 'string' },
      rev: { type: 'string' },
      'keys-only': { type: 'boolean' },
      'count-only': { type: 'boolean' },
      consistency: { type: 'string' },
      'sort-by': { type: 'string' },
      order: { type: 'string' },
      'prev-kv': { type: 'boolean' },
      lease: { type: 'string' },
      physical: { type: 'boolean' },
      'peer-urls': { type: 'string' },
      learner: { type: 'boolean' },
      'progress-notify': { type: 'boolean' },
      keys: { type: 'boolean' },
      once: { type: 'boolean' },
      ttl: { type: 'string' },
      listen: { type: 'boolean', short: 'l' },
      cluster: { type: 'boolean' },
    },
  });
  const out = values['write-out'];
  if (out !== 'simple' && out !== 'json' && out !== 'table') {
    throw new c.UsageError('--write-out must be simple, json or table');
  }
  const endpoints = values.endpoints.split(',').filter(Boolean);
  const client = new Client({ endpoints });
  // Long-running commands (watch, lock, elect, lease keep-alive) end cleanly
  // on Ctrl-C or SIGTERM: they unlock, resign or stop, then exit 0.
  const interrupted = new AbortController();
  const interrupt = (): void => interrupted.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const ctx: c.StoreCtx = {
    client: etcdClient(endpoints[0] ?? ''),
    store: client,
    endpoints: client.endpoints,
    out: out as OutputFormat,
    print: (text) => console.log(text),
    warn: (text) => console.error(text),
    signal: interrupted.signal,
  };
  const [command, ...args] = positionals;
  try {
    let text: string;
    switch (command) {
      case 'get':
        text = await c.get(ctx, args, {
          prefix: values.prefix,
          fromKey: values['from-key'],
          limit: values.limit,
          rev: values.rev,
          keysOnly: values['keys-only'],
          countOnly: values['count-only'],
          consistency: values.consistency,
          sortBy: values['sort-by'],
          order: values.order,
        });
        break;
      case 'put':
        text = await c.put(ctx, args, { prevKv: values['prev-kv'], lease: values.lease });
        break;
      case 'del':
        text = await c.del(ctx, args, {
          prefix: values.prefix,
          fromKey: values['from-key'],
          prevKv: values['prev-kv'],
        });
        break;
      case 'txn':
        text = await c.txn(ctx, readFileSync(0, 'utf8'));
        break;
      case 'compaction':
        text = await c.compaction(ctx, args, { physical: values.physical });
        break;
      case 'member':
        text = await c.member(ctx, args, {
          peerUrls: values['peer-urls'],
          learner: values.learner,
        });
        break;
      case 'endpoint':
        text = await c.endpoint(ctx, args);
        break;
      case 'move-leader':
        text = await c.moveLeader(ctx, args);
        break;
      case 'snapshot':
        text = await c.snapshotSave(ctx, args);
        break;
      case 'watch':
        text = await watch(ctx, args, {
          prefix: values.prefix,
          rev: values.rev,
          prevKv: values['prev-kv'],
          progressNotify: values['progress-notify'],
        });
        break;
      case 'lease':
        text = await lease(ctx, args, { keys: values.keys, once: values.once });
        break;
      case 'lock':
        text = await lock(ctx, args, { ttl: values.ttl });
        break;
      case 'elect':
        text = await elect(ctx, args, { listen: values.listen });
        break;
      case 'alarm':
        text = await maint.alarm(ctx, args);
        break;
      case 'defrag':
        text = await maint.defrag(ctx, args, { cluster: values.cluster });
        break;
      default:
        throw new c.UsageError(`unknown command "${command ?? ''}"`);
    }
    if (text !== '') console.log(text);
    return 0;
  } catch (e) {
    if (!(e instanceof c.CtlError)) throw e;
    console.error(`Error: ${e.message}`);
    return e.exitCode;
  } finally {
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
    ctx.client.close();
    client.close();
  }
}
