// `capstan cluster up|status|down|restart`: wiring for store/local-cluster.

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readClusterFile } from '../store/local-cluster/cluster-file.js';
import { statusTable } from '../store/local-cluster/format.js';
import {
  clusterDown,
  clusterRestart,
  clusterStatus,
  clusterUp,
  endpoints,
} from '../store/local-cluster/local-cluster.js';
import { currentCapstanCommand, isRunning } from '../store/local-cluster/processes.js';

export const clusterUsage = `usage:
  capstan cluster up [--replicas 1|3|5] [--dir D] [--detach]
  capstan cluster status [--dir D]
  capstan cluster down [--dir D]
  capstan cluster restart <member> [--dir D]

The cluster lives in D (default ./capstan.cluster): member data, logs, and
cluster.json with its ports. Data survives down and up.`;

const defaultDir = 'capstan.cluster';

export async function runCluster(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      dir: { type: 'string', default: defaultDir },
      replicas: { type: 'string', default: '3' },
      detach: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const dir = resolve(values.dir);
  switch (sub) {
    case 'up':
      return up(dir, Number(values.replicas), values.detach);
    case 'status':
      console.log(statusTable(await clusterStatus(dir)));
      return 0;
    case 'down': {
      const c = await clusterDown(dir);
      console.log(`stopped ${c.members.length} members; data kept in ${dir}`);
      return 0;
    }
    case 'restart': {
      const name = positionals[0];
      if (!name) {
        console.error(`capstan cluster restart: which member?\n\n${clusterUsage}`);
        return 2;
      }
      const m = await clusterRestart(dir, name, currentCapstanCommand());
      console.log(`restarted ${m.name} (pid ${m.pid})`);
      return 0;
    }
    default:
      console.error(`capstan cluster: unknown subcommand "${sub ?? ''}"\n\n${clusterUsage}`);
      return 2;
  }
}

async function up(dir: string, replicas: number, detach: boolean): Promise<number> {
  const c = await clusterUp({ dir, replicas, command: currentCapstanCommand(), detach });
  const eps = endpoints(c).join(',');
  console.log(`capstan cluster: ${c.members.length} members, data and logs in ${dir}`);
  console.log(`endpoints: ${eps}`);
  console.log(`try: ETCDCTL_API=3 etcdctl --endpoints=${eps} put hello world`);
  if (detach) {
    console.log(`running in the background: capstan cluster status|down --dir ${dir}`);
    return 0;
  }
  console.log('Ctrl-C stops every member.\n');
  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      clearInterval(timer);
      console.log('\nstopping the cluster...');
      clusterDown(dir).then(
        () => done(0),
        (e: unknown) => {
          console.error(`capstan cluster: ${e instanceof Error ? e.message : String(e)}`);
          done(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const show = async (): Promise<void> => {
      const rows = await clusterStatus(dir, 500);
      const table = statusTable(rows);
      if (process.stdout.isTTY) process.stdout.write(`\x1b[${rows.length + 1}A\x1b[J`);
      console.log(table);
      const file = await readClusterFile(dir);
      if (file && file.members.every((m) => !isRunning(m.pid))) stop();
    };
    if (process.stdout.isTTY) console.log('\n'.repeat(c.members.length));
    const timer = setInterval(() => void show(), process.stdout.isTTY ? 1000 : 5000);
    void show();
  });
}
