#!/usr/bin/env node
// The capstan command line: argument parsing and wiring only.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runDemo } from '../store/demo/demo-cluster.js';
import { chaosUsage, runChaosCommand } from './chaos.js';
import { clusterUsage, runCluster } from './cluster.js';
import { ctlUsage, runCtl } from './ctl.js';
import { UsageError } from '../store/client/ctl/commands.js';
import { runStore, storeUsage } from './store.js';

const usage = `usage: capstan <command> [options]

commands:
  cluster up|status|down|restart
                    a local cluster of store processes (capstan cluster --help)
  store [flags]     run one member of a store cluster (etcd's flags; capstan store --help)
  ctl <command>     a client for the store: get, put, del, txn, member, endpoint, ... (capstan ctl --help)
  chaos [options]   fault runs against real store processes, with a verdict (capstan chaos --help)
  demo [--seed N]   run a three-member Raft cluster in one process and tell what it did
  version           print the version
  help              print this text

The deterministic simulator runs with: npm run sim -- --seeds N`;

/** The package version, from the nearest package.json above this file (source or dist). */
function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      return (JSON.parse(readFileSync(candidate, 'utf8')) as { version: string }).version;
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'store':
      if (rest.includes('--help') || rest.includes('-h')) {
        console.log(storeUsage);
        return 0;
      }
      return runStore(rest);
    case 'ctl':
      if (rest.length === 0 || rest.includes('--help') || rest.includes('-h')) {
        console.log(ctlUsage);
        return rest.length === 0 ? 2 : 0;
      }
      try {
        return await runCtl(rest);
      } catch (e) {
        if (e instanceof UsageError || (e instanceof TypeError && 'code' in e)) {
          console.error(`capstan ctl: ${e.message}\n\n${ctlUsage}`);
          return 2;
        }
        console.error(`Error: ${e instanceof Error ? e.message : String(e)}`);
        return 1;
      }
    case 'cluster':
      if (rest.length === 0 || rest.includes('--help') || rest.includes('-h')) {
        console.log(clusterUsage);
        return rest.length === 0 ? 2 : 0;
      }
      return runCluster(rest);
    case 'chaos':
      if (rest.includes('--help') || rest.includes('-h')) {
        console.log(chaosUsage);
        return 0;
      }
      return runChaosCommand(rest);
    case 'demo': {
      const { values } = parseArgs({
        args: rest,
        options: { seed: { type: 'string', default: '1' } },
      });
      const seed = Number(values.seed);
      if (!Number.isSafeInteger(seed) || seed < 0) {
        console.error(`capstan demo: --seed must be a non-negative integer, got ${values.seed}`);
        return 2;
      }
      for (const line of runDemo(seed).lines) console.log(line);
      return 0;
    }
    case 'version':
    case '--version':
      console.log(`capstan ${version()}`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return 0;
    default:
      console.error(`capstan: unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`capstan: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
