// proto/capstan/raft.proto, loaded once at run time, and the shapes its
// messages take in JavaScript under our proto-loader options.
//
// Options: `longs: String` (every uint64 is a decimal string: see
// wire-numbers.ts), `enums: Number` (the same numbers as the raft core's
// enums), `defaults: true` (absent scalars read as their zero value, absent
// messages as null), camelCase field names.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** A uint64 as proto-loader hands it over, or as we hand it in. */
export type U64 = string;

export interface WireBatch {
  clusterId: U64;
  from: U64;
  payload: Uint8Array;
}

export interface WireStreamAck {
  batches: U64;
}

export interface WireEntry {
  term: U64;
  index: U64;
  type: number;
  data: Uint8Array;
}

export interface WireConfState {
  voters: U64[];
  learners: U64[];
}

export interface WireSnapshot {
  metadata: { index: U64; term: U64; confState: WireConfState | null } | null;
  data: Uint8Array;
}

export interface WireMessage {
  type: number;
  to: U64;
  from: U64;
  term: U64;
  logTerm: U64;
  index: U64;
  entries: WireEntry[];
  commit: U64;
  snapshot: WireSnapshot | null;
  reject: boolean;
  rejectHint: U64;
  context: Uint8Array;
}

export interface WireSnapshotHeader {
  clusterId: U64;
  from: U64;
  message: WireMessage | null;
}

/** Outgoing chunks may leave out what they do not carry. */
export interface WireSnapshotChunk {
  header?: WireSnapshotHeader | null;
  data?: Uint8Array;
  last?: boolean;
  crc32?: number;
  totalBytes?: U64;
}

export interface WireSnapshotAck {
  ok: boolean;
  error: string;
}

export interface WireMember {
  id: U64;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

export interface WireMembersResponse {
  clusterId: U64;
  members: WireMember[];
}

/** The proto sits at <repo>/proto; this module runs from <repo>/store/transport or dist/store/transport. */
function protoPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '../../proto'), join(here, '../../../proto')];
  for (const dir of candidates) {
    const p = join(dir, 'capstan/raft.proto');
    if (existsSync(p)) return p;
  }
  throw new Error(`capstan/raft.proto not found (looked in ${candidates.join(', ')})`);
}

const definition = loadSync(protoPath(), {
  keepCase: false,
  longs: String,
  enums: Number,
  defaults: true,
  oneofs: false,
});

/** The Peer service, for grpc.Server.addService and for making calls. */
export const peerService = definition['capstanraft.Peer'] as grpc.ServiceDefinition;

export const streamMethod = peerService['Stream'] as grpc.MethodDefinition<
  WireBatch,
  WireStreamAck
>;
export const snapshotMethod = peerService['SendSnapshot'] as grpc.MethodDefinition<
  WireSnapshotChunk,
  WireSnapshotAck
>;
export const membersMethod = peerService['Members'] as grpc.MethodDefinition<
  Record<string, never>,
  WireMembersResponse
>;
