// The child process of crash.test.ts: opens the raft log in argv[2] and saves
// Readys of argv[3] entries forever, synced, printing "start <lastIndex>"
// once and then each acknowledged last index — until the parent SIGKILLs it.
//
// Each entry's payload is a function of its index (crashPayload), and every
// Ready's hard state commits its own last entry, so the parent can tell a
// whole batch from a torn one.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { RaftLogStore } from '../../../store/backend/index.js';
import { EntryType, type Entry } from '../../../store/raft/index.js';

/** Payload bytes per entry, as in the benchmark. */
export const crashEntryBytes = 256;

export function crashPayload(index: number): Uint8Array {
  const data = new Uint8Array(crashEntryBytes).fill(index & 0xff);
  new DataView(data.buffer).setFloat64(0, index);
  return data;
}

async function main(dir: string, batchEntries: number): Promise<void> {
  const store = await RaftLogStore.open(dir);
  let last = store.storage.lastIndex();
  process.stdout.write(`start ${last}\n`);
  for (;;) {
    const entries: Entry[] = [];
    for (let i = last + 1; i <= last + batchEntries; i++) {
      entries.push({ index: i, term: 1, type: EntryType.Normal, data: crashPayload(i) });
    }
    last += batchEntries;
    await store.save({ entries, hardState: { term: 1, vote: 1n, commit: last } }, { sync: true });
    process.stdout.write(`${last}\n`);
  }
}

// Only when run as a program, not when the test imports crashPayload.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, batch] = process.argv.slice(2);
  if (!dir || !batch) throw new Error('usage: crash-writer.ts <dir> <entries per Ready>');
  await main(dir, Number(batch));
}
