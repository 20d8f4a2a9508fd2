// What a replica puts in a Raft entry: the command, and who waits for it.
// Normal entries carry { m: proposer member id, r: request id, c: command };
// conf-change entries carry, as their context, { m, r, member } — the member
// record the change adds, updates or removes.

import { decode, encode } from '../backend/codec.js';
import { parseCommand, type Command, type Member } from '../mvcc/index.js';

export interface Proposal {
  proposer: bigint;
  requestId: number;
  command: Command;
}

export interface MemberChange {
  proposer: bigint;
  requestId: number;
  member: Member;
}

export function encodeProposal(p: Proposal): Uint8Array {
  return encode({ m: p.proposer, r: p.requestId, c: p.command });
}

function header(raw: unknown): { m: bigint; r: number } | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const o = raw as Record<string, unknown>;
  if (typeof o['m'] !== 'bigint' || typeof o['r'] !== 'number') return undefined;
  return { m: o['m'], r: o['r'] };
}

/**
 * The proposal in an entry. A malformed entry (it can only come from a bug
 * or a corrupted peer) is reported as undefined and applied as a no-op.
 */
export function decodeProposal(data: Uint8Array): Proposal | undefined {
  try {
    const raw = decode<Record<string, unknown>>(data);
    const h = header(raw);
    if (!h) return undefined;
    return { proposer: h.m, requestId: h.r, command: parseCommand(raw['c']) };
  } catch {
    return undefined;
  }
}

export function encodeMemberChange(c: MemberChange): Uint8Array {
  return encode({ m: c.proposer, r: c.requestId, member: c.member });
}

export function decodeMemberChange(context: Uint8Array): MemberChange | undefined {
  try {
    const raw = decode<Record<string, unknown>>(context);
    const h = header(raw);
    const m = raw['member'] as Record<string, unknown> | undefined;
    if (!h || !m) return undefined;
    const { id, name, peerUrls, clientUrls, isLearner } = m;
    if (
      typeof id !== 'bigint' ||
      typeof name !== 'string' ||
      !Array.isArray(peerUrls) ||
      !Array.isArray(clientUrls) ||
      typeof isLearner !== 'boolean'
    ) {
      return undefined;
    }
    return {
      proposer: h.m,
      requestId: h.r,
      member: {
        id,
        name,
        peerUrls: peerUrls.map(String),
        clientUrls: clientUrls.map(String),
        isLearner,
      },
    };
  } catch {
    return undefined;
  }
}
