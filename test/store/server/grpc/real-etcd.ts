// Starts a real single-member etcd on loopback ports picked at run time, in a
// temporary data directory, to record what real etcd answers. `stop()`
// kills the process and removes the directory.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { cleanEnv, etcdctl } from './etcdctl.js';

export interface RealEtcd {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago (the kernel's pick for port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

const readyDeadlineMs = 15_000;

export async function startRealEtcd(etcdBin: string, etcdctlBin: string): Promise<RealEtcd> {
  const dataDir = await mkdtemp(join(tmpdir(), 'capstan-real-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  // etcd reads ETCD_* variables as flags: give it a clean environment.
  const child = spawn(
    etcdBin,
    [
      '--name=capstan-test',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=capstan-test=${peerUrl}`,
      '--logger=zap',
      '--log-level=error',
    ],
    { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  };

  const endpoint = `127.0.0.1:${clientPort}`;
  const deadline = Date.now() + readyDeadlineMs;
  for (;;) {
    const probe = await etcdctl(etcdctlBin, endpoint, ['endpoint', 'health']);
    if (probe.exitCode === 0) return { endpoint, stop };
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`real etcd did not become healthy:\n${log}${probe.stderr}`);
    }
    await delay(100);
  }
}
