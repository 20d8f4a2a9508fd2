// Helpers for the mvcc tests: byte/string conversion, a store that numbers
// its own entries, and temporary directories that are always removed.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../../../store/mvcc/command.js';
import type { ApplyResult, CommandResponse } from '../../../store/mvcc/kv-store.js';
import {
  anyLease,
  type Backend,
  type DeleteRangeResponse,
  type KeyValue,
  MemoryBackend,
  MvccStore,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type TxnRequest,
  type TxnResponse,
} from '../../../store/mvcc/index.js';

const encoder = new TextEncoder();

/** The bytes of a string (latin1, so every char is one byte). */
export function b(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

/** The string of some bytes (latin1). */
export function str(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('latin1');
}

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** A KeyValue as a compact, comparable row: key=value@create/mod/version[/lease]. */
export function row(kv: KeyValue): string {
  const lease = kv.lease === 0n ? '' : `/L${kv.lease}`;
  return `${str(kv.key)}=${str(kv.value)}@${kv.createRevision}/${kv.modRevision}/${kv.version}${lease}`;
}

export function rows(kvs: readonly KeyValue[]): string[] {
  return kvs.map(row);
}

/** A store plus the raft index of the next entry it applies. */
/**
 * Opens a store whose leases attach without a lessor (`anyLease`), as in
 * etcd's mvcc package: these tests are about revisions, not lease grants.
 */
export function openStore(backend: Backend): Promise<MvccStore> {
  return MvccStore.open(backend, { leases: anyLease });
}

export class Harness {
  index = 0;
  term = 1;

  constructor(
    public store: MvccStore,
    public backend: Backend,
  ) {}

  /** A store on memory (see openStore). */
  static async memory(): Promise<Harness> {
    const backend = new MemoryBackend();
    return new Harness(await openStore(backend), backend);
  }

  /** Applies commands as consecutive entries in one batch. */
  applyAll(commands: (Command | Uint8Array)[]): ApplyResult[] {
    const entries = commands.map((command) => ({ index: ++this.index, term: this.term, command }));
    return this.store.applyEntries(entries);
  }

  apply(command: Command | Uint8Array): ApplyResult {
    return this.applyAll([command])[0]!;
  }

  /** Applies a command that must succeed and returns its response. */
  ok(command: Command): CommandResponse {
    const r = this.apply(command);
    if (!r.ok) assert.fail(`expected success, got ${r.error.message}`);
    return r.response;
  }

  /** Applies a command that must fail and returns the error's code. */
  fails(command: Command | Uint8Array): string {
    const r = this.apply(command);
    if (r.ok) assert.fail(`expected a failure, got ${JSON.stringify(Object.keys(r.response))}`);
    return r.error.code;
  }

  put(key: string, value: string, extra: Partial<PutRequest> = {}): PutResponse {
    const r = this.ok({ put: { key: b(key), value: b(value), ...extra } });
    assert.ok('put' in r);
    return r.put;
  }

  del(key: string, rangeEnd?: string, prevKv = false): DeleteRangeResponse {
    const req = {
      key: b(key),
      prevKv,
      ...(rangeEnd === undefined ? {} : { rangeEnd: b(rangeEnd) }),
    };
    const r = this.ok({ deleteRange: req });
    assert.ok('deleteRange' in r);
    return r.deleteRange;
  }

  txn(req: TxnRequest): TxnResponse {
    const r = this.ok({ txn: req });
    assert.ok('txn' in r);
    return r.txn;
  }

  compact(revision: number): void {
    this.ok({ compaction: { revision } });
  }

  range(key: string, rangeEnd?: string, extra: Partial<RangeRequest> = {}) {
    return this.store.range({
      key: b(key),
      ...(rangeEnd === undefined ? {} : { rangeEnd: b(rangeEnd) }),
      ...extra,
    });
  }

  /** Rows of every live key (the whole keyspace) at `revision` (0: current). */
  all(revision = 0): string[] {
    return rows(this.range('\0', '\0', { revision }).kvs);
  }
}

/** Runs `fn` with a fresh temporary directory, removed afterwards whatever happens. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'capstan-mvcc-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Waits until `cond()` holds, checking once per event-loop turn; fails after `deadlineMs`. */
export async function waitFor(cond: () => boolean, deadlineMs = 5000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > until) assert.fail(`condition not met within ${deadlineMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
