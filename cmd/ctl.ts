// `capstan ctl`: our own client for the store's API (etcdctl's commands and
// output, plus JSON with exact 64-bit numbers). Wiring only.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { etcdClient, type EtcdClient } from '../store/client/etcd-client.js';
import * as c from '../store/client/ctl/commands.js';
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
  snapshot save FILE`;

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
    },
  });
  const out = values['write-out'];
  if (out !== 'simple' && out !== 'json' && out !== 'table') {
    throw new c.UsageError('--write-out must be simple, json or table');
  }
  const endpoints = values.endpoints.split(',').filter(Boolean);
  const clients = new Map<string, EtcdClient>();
  const clientFor = (ep: string): EtcdClient => {
    let cl = clients.get(ep);
    if (!cl) clients.set(ep, (cl = etcdClient(ep)));
    return cl;
  };
  const ctx: c.Ctx = { client: clientFor(endpoints[0]!), endpoints, out: out as OutputFormat };
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
        text = await c.endpoint(ctx, args, clientFor);
        break;
      case 'move-leader':
        text = await c.moveLeader(ctx, args, clientFor);
        break;
      case 'snapshot':
        text = await c.snapshotSave(ctx, args);
        break;
      default:
        throw new c.UsageError(`unknown command "${command ?? ''}"`);
    }
    if (text !== '') console.log(text);
    return 0;
  } finally {
    for (const cl of clients.values()) cl.close();
  }
}
