// A real single-member etcd 3.4 for comparison tests, spoken to through its
// JSON gateway (POST /v3/kv/range etc.: bytes as base64, int64 as strings,
// enums by name, default values omitted). It listens on loopback ports the
// kernel picked a moment before, keeps its data in a temporary directory,
// and stop() kills it and removes the directory.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const etcdBinary = '/usr/bin/etcd';
const readyDeadlineMs = 15_000;

export function etcdAvailable(): boolean {
  return existsSync(etcdBinary);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      server.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 0));
    });
  });
}

export interface EtcdGateway {
  /** POSTs `body` to /v3/<path>; returns the parsed JSON (errors come back as {error, code}). */
  call(path: string, body: unknown): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startEtcd(): Promise<EtcdGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'capstan-mvcc-etcd-'));
  const client = `http://127.0.0.1:${await freePort()}`;
  const peer = `http://127.0.0.1:${await freePort()}`;
  // etcd takes every ETCD_* variable as a flag: pass none.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD')),
  );
  const child = spawn(
    etcdBinary,
    [
      '--name=mvcc-compat',
      `--data-dir=${join(dir, 'data')}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=mvcc-compat=${peer}`,
      '--log-level=error',
      '--logger=zap',
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const call = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${client}/v3/${path}`, { method: 'POST', body: JSON.stringify(body) });
    return (await res.json()) as Record<string, unknown>;
  };

  const deadline = Date.now() + readyDeadlineMs;
  for (;;) {
    try {
      const r = await call('kv/range', { key: Buffer.from('probe').toString('base64') });
      if (r.header !== undefined) return { call, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`etcd did not start:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
