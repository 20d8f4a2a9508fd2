// What the conformance suite needs from a transport implementation: nodes
// that record what their handlers saw, a way to take a node's receiving side
// down and back up on the same address, and a raw injection point for
// batches no correct member would send.

import type { Message, NodeId } from '../../../store/raft/types.js';
import type { TransportLimits } from '../../../store/transport/limits.js';
import type { WireBatch } from '../../../store/transport/peer-proto.js';
import type {
  MemberInfo,
  Transport,
  TransportHandlers,
  TransportStats,
  TransportTestHooks,
} from '../../../store/transport/transport.js';

/** The cluster id of test nodes unless a test sets another. */
export const testClusterId = 4242n;

export interface Recorder {
  readonly messages: Message[];
  readonly unreachable: NodeId[];
  readonly snapshotStatus: { id: NodeId; ok: boolean }[];
  readonly snapshots: { msg: Message; chunks: readonly Uint8Array[] }[];
  /** Set to make onSnapshot refuse. */
  refuseSnapshots: boolean;
  /** Set by a test around a transport call: a handler that runs meanwhile was called synchronously. */
  inCall: boolean;
  /** Handlers that ran synchronously inside a transport call (must stay empty). */
  readonly reentered: string[];
}

export interface NodeOptions {
  clusterId?: bigint;
  limits?: Partial<TransportLimits>;
  testing?: TransportTestHooks;
  members?: () => MemberInfo[];
}

export interface TestNode {
  readonly id: NodeId;
  readonly url: string;
  readonly transport: Transport & { stats(): TransportStats };
  readonly rec: Recorder;
}

export interface Harness {
  readonly name: string;
  node(id: NodeId, o?: NodeOptions): Promise<TestNode>;
  /** The node's receiving side goes away (server shut down, member down); its transport stays. */
  stop(n: TestNode): Promise<void>;
  /** ...and comes back on the same address. */
  restart(n: TestNode): Promise<void>;
  /** Sends a raw batch to `to`'s receiving side, as a misbehaving peer would. */
  inject(to: TestNode, batch: WireBatch): Promise<void>;
  fetchMembers(n: TestNode): Promise<{ clusterId: bigint; members: MemberInfo[] }>;
  /** Closes every node; the process must then be able to exit. */
  close(): Promise<void>;
}

export function recorder(): { rec: Recorder; handlers: TransportHandlers } {
  const rec: Recorder = {
    messages: [],
    unreachable: [],
    snapshotStatus: [],
    snapshots: [],
    refuseSnapshots: false,
    inCall: false,
    reentered: [],
  };
  const reentry = (what: string): void => {
    if (rec.inCall) rec.reentered.push(what);
  };
  const handlers: TransportHandlers = {
    onMessages(msgs) {
      reentry('onMessages');
      rec.messages.push(...msgs);
    },
    onSnapshot(msg, chunks) {
      if (rec.refuseSnapshots) return Promise.reject(new Error('refused by test'));
      rec.snapshots.push({ msg, chunks });
      return Promise.resolve();
    },
    onUnreachable(id) {
      reentry('onUnreachable');
      rec.unreachable.push(id);
    },
    onSnapshotStatus(id, ok) {
      reentry('onSnapshotStatus');
      rec.snapshotStatus.push({ id, ok });
    },
  };
  return { rec, handlers };
}

/** Waits until `cond()` holds, polling; fails with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Links every node to every other. */
export function connectAll(nodes: readonly TestNode[]): void {
  for (const a of nodes) {
    for (const b of nodes) if (a !== b) a.transport.addPeer(b.id, [b.url]);
  }
}
