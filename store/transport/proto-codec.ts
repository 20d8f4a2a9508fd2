// Typed proto records ↔ core values, for the places where proto fields are
// used as such: the MsgSnap in a snapshot header and the Members RPC. Batches
// of messages use wire-codec.ts instead (see why there).

import {
  EntryType,
  MessageType,
  type ConfState,
  type Entry,
  type Message,
  type Snapshot,
} from '../raft/types.js';
import type { MemberInfo } from './transport.js';
import type { WireEntry, WireMember, WireMessage, WireSnapshot } from './peer-proto.js';
import {
  assertOutgoingId,
  assertOutgoingIndex,
  parseId,
  parseIndex,
  WireError,
} from './wire-numbers.js';

const emptyBytes = new Uint8Array(0);

function idOut(v: bigint, what: string): string {
  assertOutgoingId(v, what);
  return v.toString();
}

function indexOut(v: number, what: string): string {
  assertOutgoingIndex(v, what);
  return String(v);
}

export function messageToWire(m: Message): WireMessage {
  return {
    type: m.type,
    to: idOut(m.to, 'message to'),
    from: idOut(m.from, 'message from'),
    term: indexOut(m.term, 'message term'),
    logTerm: indexOut(m.logTerm, 'message log term'),
    index: indexOut(m.index, 'message index'),
    entries: m.entries.map(entryToWire),
    commit: indexOut(m.commit, 'message commit'),
    snapshot: m.snapshot ? snapshotToWire(m.snapshot) : null,
    reject: m.reject,
    rejectHint: indexOut(m.rejectHint, 'message reject hint'),
    context: m.context ?? emptyBytes,
  };
}

function entryToWire(e: Entry): WireEntry {
  return {
    term: indexOut(e.term, 'entry term'),
    index: indexOut(e.index, 'entry index'),
    type: e.type,
    data: e.data,
  };
}

function snapshotToWire(s: Snapshot): WireSnapshot {
  const cs = s.metadata.confState;
  return {
    metadata: {
      index: indexOut(s.metadata.index, 'snapshot index'),
      term: indexOut(s.metadata.term, 'snapshot term'),
      confState: {
        voters: cs.voters.map((v) => idOut(v, 'voter')),
        learners: cs.learners.map((v) => idOut(v, 'learner')),
      },
    },
    data: s.data,
  };
}

/** Throws WireError on anything a correct member does not send. */
export function messageFromWire(w: WireMessage): Message {
  if (typeof w.type !== 'number' || MessageType[w.type] === undefined) {
    throw new WireError(`message type: ${String(w.type)}`);
  }
  const m: Message = {
    type: w.type,
    to: parseId(w.to, 'message to'),
    from: parseId(w.from, 'message from'),
    term: parseIndex(w.term, 'message term'),
    logTerm: parseIndex(w.logTerm, 'message log term'),
    index: parseIndex(w.index, 'message index'),
    entries: w.entries.map(entryFromWire),
    commit: parseIndex(w.commit, 'message commit'),
    reject: w.reject,
    rejectHint: parseIndex(w.rejectHint, 'message reject hint'),
  };
  if (w.snapshot) m.snapshot = snapshotFromWire(w.snapshot);
  if (w.context.length > 0) m.context = w.context;
  return m;
}

function entryFromWire(w: WireEntry): Entry {
  if (w.type !== EntryType.Normal && w.type !== EntryType.ConfChange) {
    throw new WireError(`entry type: ${String(w.type)}`);
  }
  return {
    term: parseIndex(w.term, 'entry term'),
    index: parseIndex(w.index, 'entry index'),
    type: w.type,
    data: w.data,
  };
}

function snapshotFromWire(w: WireSnapshot): Snapshot {
  if (!w.metadata) throw new WireError('snapshot without metadata');
  const cs = w.metadata.confState;
  const confState: ConfState = {
    voters: (cs?.voters ?? []).map((v) => parseId(v, 'voter')),
    learners: (cs?.learners ?? []).map((v) => parseId(v, 'learner')),
  };
  return {
    metadata: {
      index: parseIndex(w.metadata.index, 'snapshot index'),
      term: parseIndex(w.metadata.term, 'snapshot term'),
      confState,
    },
    data: w.data,
  };
}

export function memberToWire(m: MemberInfo): WireMember {
  return {
    id: idOut(m.id, 'member id'),
    name: m.name,
    peerUrls: [...m.peerUrls],
    clientUrls: [...m.clientUrls],
    isLearner: m.isLearner,
  };
}

export function memberFromWire(w: WireMember): MemberInfo {
  return {
    id: parseId(w.id, 'member id'),
    name: w.name,
    peerUrls: w.peerUrls,
    clientUrls: w.clientUrls,
    isLearner: w.isLearner,
  };
}
