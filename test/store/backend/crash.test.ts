// A real crash: a child process saves synced Readys in a loop and reports
// each acknowledged last index; we SIGKILL it mid-stream (a save is always in
// flight then), reopen, and check that (1) every acknowledged index is there,
// (2) the log is contiguous with the right payloads, and (3) the interrupted
// save is all there or not at all: the log ends on a Ready boundary and the
// hard state's commit (written in the same batch) matches it.
//
// SIGKILL loses what the process had not handed to the kernel; it cannot
// lose what the kernel holds, so this proves atomicity and write-through,
// not fsync against power loss.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { RaftLogStore } from '../../../store/backend/index.js';
import { crashPayload } from './crash-writer.js';
import { withTempDir } from './helpers.js';

const writer = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Longest wait for the child's next line before the test gives up. */
const childLineTimeoutMs = 5000;

/** Per round: entries per Ready, and how many acknowledgements before the kill. */
const rounds = [
  { batchEntries: 1, killAfterAcks: 25 },
  { batchEntries: 50, killAfterAcks: 9 },
  { batchEntries: 7, killAfterAcks: 16 },
];

interface RoundResult {
  start: number;
  acked: number;
}

/** Runs the writer until `killAfterAcks` acknowledgements, then SIGKILLs it. */
async function runAndKill(
  dir: string,
  batchEntries: number,
  killAfterAcks: number,
): Promise<RoundResult> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', writer, dir, String(batchEntries)],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('crash-writer: no output in time')),
        childLineTimeoutMs,
      );
    });
    try {
      const r = await Promise.race([lines.next(), timeout]);
      if (r.done) throw new Error('crash-writer exited early');
      return r.value;
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    const first = await next();
    const start = Number(/^start (\d+)$/.exec(first)?.[1]);
    assert.ok(Number.isSafeInteger(start), `bad first line ${first}`);
    let acked = start;
    for (let n = 0; n < killAfterAcks; n++) acked = Number(await next());
    // Kill at once: the next save is already in flight.
    child.kill('SIGKILL');
    return { start, acked };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }
}

test('SIGKILL mid-stream loses no acknowledged entry and never leaves half a Ready', () =>
  withTempDir(async (dir) => {
    for (const { batchEntries, killAfterAcks } of rounds) {
      const { start, acked } = await runAndKill(dir, batchEntries, killAfterAcks);
      const store = await RaftLogStore.open(dir);
      try {
        const st = store.storage;
        const last = st.lastIndex();
        assert.ok(last >= acked, `acknowledged ${acked}, found only ${last}`);
        assert.equal((last - start) % batchEntries, 0, `log ends mid-Ready at ${last}`);
        assert.equal(st.hardState().commit, last, 'hard state and entries are one batch');
        const entries = st.entries(1, last + 1, Infinity);
        assert.equal(entries.length, last);
        entries.forEach((e, k) => {
          assert.equal(e.index, k + 1);
          assert.deepEqual(e.data, crashPayload(e.index));
        });
      } finally {
        await store.close();
      }
    }
  }));
