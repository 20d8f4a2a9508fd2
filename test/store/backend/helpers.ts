// Shared fixtures of the backend tests: temporary data directories, a logger
// that records what it was told, and raw access to the level database.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';

import type { BackendLogger } from '../../../store/backend/index.js';

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'capstan-raftlog-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Runs `fn` with a fresh directory, removed afterwards whatever happens. */
export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  try {
    await fn(dir);
  } finally {
    await removeDir(dir);
  }
}

export interface LogLine {
  level: 'info' | 'warn';
  fields: Record<string, unknown>;
  msg: string;
}

export function recordingLogger(): BackendLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (fields, msg) => lines.push({ level: 'info', fields, msg }),
    warn: (fields, msg) => lines.push({ level: 'warn', fields, msg }),
  };
}

/** Opens the store's database directly (the store must be closed), runs `fn`, closes it. */
export async function withRawDb(
  dir: string,
  fn: (db: Level<Uint8Array, Uint8Array>) => Promise<void>,
): Promise<void> {
  const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

/** Flips one bit of the stored value at `key` (default: its last byte, inside the payload). */
export async function flipByte(dir: string, key: Uint8Array, at = -1): Promise<void> {
  await withRawDb(dir, async (db) => {
    const value = await db.get(key);
    if (value === undefined) throw new Error('flipByte: no such key');
    const copy = Uint8Array.from(value);
    const i = at < 0 ? copy.length + at : at;
    copy[i] = copy[i]! ^ 0x01;
    await db.put(key, copy, { sync: true });
  });
}

export async function deleteKey(dir: string, key: Uint8Array): Promise<void> {
  await withRawDb(dir, (db) => db.del(key, { sync: true }));
}
