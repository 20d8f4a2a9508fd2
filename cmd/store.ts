// `capstan store`: one replica, configured like etcd (flags or CAPSTAN_*
// environment variables), stopped gracefully on SIGTERM or SIGINT.

import { parseArgs } from 'node:util';
import { ConfigError, resolveConfig, storeFlags } from '../store/server/config.js';
import { Replica } from '../store/server/replica.js';

export const storeUsage = `usage: capstan store [--flag value ...]

Flags (each also read from CAPSTAN_<FLAG>, e.g. CAPSTAN_DATA_DIR):
${storeFlags.map((f) => `  --${f}`).join('\n')}

With no flags: a single member named "default" serving clients on
127.0.0.1:2379 and peers on 127.0.0.1:2380, with its data in ./default.capstan.`;

export async function runStore(args: string[]): Promise<number> {
  const options = Object.fromEntries(storeFlags.map((f) => [f, { type: 'string' as const }]));
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }) as {
      values: Record<string, string | undefined>;
    });
  } catch (e) {
    console.error(`capstan store: ${e instanceof Error ? e.message : String(e)}\n\n${storeUsage}`);
    return 2;
  }
  let replica: Replica;
  try {
    const cfg = resolveConfig(values, process.env);
    replica = await Replica.start(cfg);
  } catch (e) {
    if (e instanceof ConfigError || (e instanceof Error && e.name !== 'Error')) {
      console.error(`capstan store: ${e.message}`);
      return 1;
    }
    console.error(`capstan store: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      replica.log.info({ signal }, 'stopping');
      replica.stop().then(
        () => resolve(0),
        (err: unknown) => {
          replica.log.error({ err }, 'stop failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    // Stopped by itself: removed from the cluster (0), or a fatal error (1,
    // so a supervisor restarts it and a script sees the failure).
    void replica.stoppedByItself().then(({ fatal }) => resolve(fatal === undefined ? 0 : 1));
  });
}
