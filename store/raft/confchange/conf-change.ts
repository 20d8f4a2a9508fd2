// Membership changes, one server at a time (Raft thesis §4.1, as etcd-io/raft's
// ConfChange v1 does). A change is proposed as a log entry of type ConfChange
// and takes effect on each member when that entry is *applied*
// (RawNode.applyConfChange). Why this is safe:
//
//   * Old and new configurations differ by at most one voter, so every
//     majority of one intersects every majority of the other (§4.1): two
//     leaders can never be elected in one term from the two configurations.
//   * At most one change is in flight: a leader refuses a new change until
//     the previous one is applied (`pendingConfIndex`), and a new leader sets
//     `pendingConfIndex` to its last index, so it first commits an entry of
//     its own term — the fix to the single-server bug the thesis errata
//     describes (a leader must commit in its term before changing membership).
//   * A member does not campaign while a committed configuration entry is
//     still unapplied, so no one elects itself with a configuration two steps
//     old; commit indexes travel with every append, so a member holding a
//     newer configuration entry also knows the one before it committed.
//
// Encoding: 1 byte type, 8 bytes big-endian node id, then the opaque context.

import type { NodeId } from '../types.js';

export enum ConfChangeType {
  /** Add a voter, or promote an existing learner to voter. */
  AddNode = 0,
  RemoveNode = 1,
  /** Change a member's context (e.g. its URLs); no effect on the configuration. */
  UpdateNode = 2,
  /** Add a learner: receives the log, does not vote or count toward commit. */
  AddLearnerNode = 3,
}

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
  /** Opaque to Raft; the replica stores the member's name and URLs here. */
  readonly context: Uint8Array;
}

const headerBytes = 9;

export function encodeConfChange(cc: ConfChange): Uint8Array {
  const out = new Uint8Array(headerBytes + cc.context.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, cc.type);
  view.setBigUint64(1, cc.nodeId);
  out.set(cc.context, headerBytes);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.length < headerBytes) {
    throw new RangeError(`conf change entry too short: ${data.length} bytes`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const type = view.getUint8(0);
  if (!(type in ConfChangeType)) throw new RangeError(`unknown conf change type ${type}`);
  return {
    type: type as ConfChangeType,
    nodeId: view.getBigUint64(1),
    context: data.slice(headerBytes),
  };
}
