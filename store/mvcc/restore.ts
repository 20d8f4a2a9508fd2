// Loading the state at open (etcd's store.restore): the applied index,
// compaction marks and members from their records, then the key index
// rebuilt by scanning every stored revision in order.

import { decodeRecord } from '../backend/codec.js';
import type { Backend } from './backend.js';
import { parseCommand } from './command.js';
import { finishCompaction, readRevisionMeta } from './compaction.js';
import { MvccCorruptionError } from './errors.js';
import { KeyIndex } from './key-index.js';
import {
  alarmRange,
  appliedKey,
  compactedKey,
  mainOfRevisionKey,
  memberRange,
  ownBytes,
  revisionRange,
  scheduledCompactKey,
  subOfRevisionKey,
  toIndexKey,
} from './keys.js';
import { KvState } from './kv-state.js';
import { decodeRevisionRecord } from './record.js';
import type { AlarmKind, AlarmMember, Member } from './types.js';

export interface AppliedMark {
  index: number;
  term: number;
}

export interface LoadedState {
  state: KvState;
  applied: AppliedMark;
  members: Map<bigint, Member>;
  alarms: AlarmMember[];
}

function readApplied(backend: Backend): AppliedMark {
  const raw = backend.get(appliedKey);
  if (raw === undefined) return { index: 0, term: 0 };
  const mark = decodeRecord<AppliedMark>(raw);
  if (
    typeof mark !== 'object' ||
    mark === null ||
    !Number.isSafeInteger(mark.index) ||
    !Number.isSafeInteger(mark.term)
  ) {
    throw new MvccCorruptionError('mvcc: damaged meta record m/applied');
  }
  return { index: mark.index, term: mark.term };
}

async function readMembers(backend: Backend): Promise<Map<bigint, Member>> {
  const members = new Map<bigint, Member>();
  for await (const batch of backend.iterate(memberRange)) {
    for (const [, value] of batch) {
      let member: Member;
      try {
        // The member shape check of the commands, on the stored record.
        const cmd = parseCommand({ memberUpsert: { member: decodeRecord<unknown>(value) } });
        member = (cmd as { memberUpsert: { member: Member } }).memberUpsert.member;
      } catch {
        throw new MvccCorruptionError('mvcc: damaged member record');
      }
      members.set(member.id, member);
    }
  }
  return members;
}

async function readAlarms(backend: Backend): Promise<AlarmMember[]> {
  const alarms: AlarmMember[] = [];
  for await (const batch of backend.iterate(alarmRange)) {
    for (const [, value] of batch) {
      const a = decodeRecord<AlarmMember>(value);
      const kinds: readonly AlarmKind[] = ['none', 'nospace', 'corrupt'];
      if (
        typeof a !== 'object' ||
        a === null ||
        typeof a.memberId !== 'bigint' ||
        !kinds.includes(a.alarm)
      ) {
        throw new MvccCorruptionError('mvcc: damaged alarm record');
      }
      alarms.push({ memberId: a.memberId, alarm: a.alarm });
    }
  }
  return alarms;
}

/** Rebuilds the key index and live values from every stored revision. */
async function rebuildIndex(backend: Backend, state: KvState): Promise<void> {
  let lastMain = 1;
  let ki: KeyIndex | undefined;
  let ik = '';
  for await (const batch of backend.iterate(revisionRange(0, Number.MAX_SAFE_INTEGER))) {
    for (const [key, value] of batch) {
      const main = mainOfRevisionKey(key);
      const sub = subOfRevisionKey(key);
      const rec = decodeRevisionRecord(value, main, `${main}.${sub}`);
      const k = toIndexKey(rec.key);
      if (ki === undefined || k !== ik) {
        ik = k;
        ki = state.lookup(k);
      }
      if (main > lastMain) lastMain = main;
      if (rec.kv === undefined) {
        // A tombstone without a live generation is what a crash in the
        // middle of a physical compaction leaves; etcd skips it too.
        if (ki?.latest !== undefined) {
          ki.appendTombstone(main, sub);
          ki.latest = undefined;
        }
        continue;
      }
      if (ki === undefined) {
        ki = new KeyIndex(ownBytes(rec.key));
        state.addKey(k, ki);
      }
      ki.appendPut(main, sub);
      // Own copies: decoded bytes are views into the scanned buffers.
      ki.latest = { ...rec.kv, key: ki.key, value: ownBytes(rec.kv.value) };
    }
  }
  state.currentRev = lastMain;
}

export async function loadState(backend: Backend): Promise<LoadedState> {
  const state = new KvState(backend);
  const applied = readApplied(backend);
  const members = await readMembers(backend);
  const alarms = await readAlarms(backend);
  const scheduled = readRevisionMeta(backend, scheduledCompactKey);
  const finished = readRevisionMeta(backend, compactedKey);
  await rebuildIndex(backend, state);
  state.compactRev = Math.max(scheduled ?? -1, finished ?? -1);
  // The newest revisions may all have been compacted away (etcd does the same).
  if (state.currentRev < state.compactRev) state.currentRev = state.compactRev;
  state.flushedRev = state.currentRev;
  if (scheduled !== undefined && scheduled > (finished ?? -1)) {
    await finishCompaction(backend, state, scheduled);
  }
  return { state, applied, members, alarms };
}
