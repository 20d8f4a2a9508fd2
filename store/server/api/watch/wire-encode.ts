// WatchResponse, encoded by hand (protobuf wire format, etcd's field
// numbers), so fan-out stays cheap: an event's bytes are encoded once and
// copied into the response of every watcher it goes to, instead of one
// object conversion and encoding per watcher by the generic codec (which
// costs far more than the copy). Responses leave the server as these bytes
// (see watchServiceDefinition); test/store/server/api/watch checks them
// against the generic codec.
//
// Fields at their zero value are left out, as proto3 encoders do.

import type { KeyValue, MvccEvent } from '../../../mvcc/index.js';

const lenType = 2;
const tag = (field: number, wireType: number): number => (field << 3) | wireType;

// Field tags (all below 128: one byte each).
const kvKey = tag(1, lenType);
const kvCreate = tag(2, 0);
const kvMod = tag(3, 0);
const kvVersion = tag(4, 0);
const kvValue = tag(5, lenType);
const kvLease = tag(6, 0);
const evType = tag(1, 0);
const evKv = tag(2, lenType);
const evPrev = tag(3, lenType);
const hdrCluster = tag(1, 0);
const hdrMember = tag(2, 0);
const hdrRevision = tag(3, 0);
const hdrTerm = tag(4, 0);
const wrHeader = tag(1, lenType);
const wrWatchId = tag(2, 0);
const wrCreated = tag(3, 0);
const wrCanceled = tag(4, 0);
const wrCompact = tag(5, 0);
const wrReason = tag(6, lenType);
const wrFragment = tag(7, 0);
const wrEvents = tag(11, lenType);

/** An integer as its 64-bit unsigned varint value: a safe non-negative number, or a bigint. */
type U64 = number | bigint;

function u64(v: number | bigint): U64 {
  if (typeof v === 'number') return v >= 0 ? v : BigInt.asUintN(64, BigInt(v));
  const u = BigInt.asUintN(64, v);
  return u <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(u) : u;
}

function varintSize(v: U64): number {
  let size = 1;
  if (typeof v === 'number') {
    while (v >= 128) {
      v = Math.floor(v / 128);
      size++;
    }
  } else {
    while (v >= 128n) {
      v >>= 7n;
      size++;
    }
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, v: U64): number {
  if (typeof v === 'number') {
    while (v >= 128) {
      buf[pos++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    buf[pos++] = v;
    return pos;
  }
  while (v >= 128n) {
    buf[pos++] = Number(v & 127n) | 128;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
  return pos;
}

/** Bytes of a length-delimited field holding `len` bytes (tag, length, payload). */
export function fieldSize(len: number): number {
  return 1 + varintSize(len) + len;
}

/** A message under construction: its fields' sizes are known before it is written. */
class Fields {
  size = 0;
  private readonly ops: ((buf: Buffer, pos: number) => number)[] = [];

  int(t: number, v: number | bigint): void {
    if (v === 0 || v === 0n) return;
    const u = u64(v);
    this.size += 1 + varintSize(u);
    this.ops.push((buf, pos) => writeVarint(buf, ((buf[pos] = t), pos + 1), u));
  }

  bool(t: number, v: boolean | undefined): void {
    if (v === true) this.int(t, 1);
  }

  bytes(t: number, v: Uint8Array | undefined): void {
    if (v === undefined || v.length === 0) return;
    this.size += fieldSize(v.length);
    this.ops.push((buf, pos) => {
      buf[pos] = t;
      pos = writeVarint(buf, pos + 1, v.length);
      buf.set(v, pos);
      return pos + v.length;
    });
  }

  finish(): Buffer {
    const buf = Buffer.allocUnsafe(this.size);
    let pos = 0;
    for (const op of this.ops) pos = op(buf, pos);
    if (pos !== this.size) throw new Error(`watch encoder: wrote ${pos} of ${this.size} bytes`);
    return buf;
  }
}

const kvCache = new WeakMap<KeyValue, Buffer>();

/** mvccpb.KeyValue. KeyValues are immutable and shared: encoded once each. */
export function encodeKeyValue(kv: KeyValue): Buffer {
  let out = kvCache.get(kv);
  if (out === undefined) {
    const f = new Fields();
    f.bytes(kvKey, kv.key);
    f.int(kvCreate, kv.createRevision);
    f.int(kvMod, kv.modRevision);
    f.int(kvVersion, kv.version);
    f.bytes(kvValue, kv.value);
    f.int(kvLease, kv.lease);
    out = f.finish();
    kvCache.set(kv, out);
  }
  return out;
}

const eventCache = new WeakMap<MvccEvent, Buffer>();
const eventWithPrevCache = new WeakMap<MvccEvent, Buffer>();

/** mvccpb.Event, with prev_kv when `withPrev` (and the event has one). Encoded once per event and form. */
export function encodeEvent(ev: MvccEvent, withPrev: boolean): Buffer {
  const cache = withPrev && ev.prevKv !== undefined ? eventWithPrevCache : eventCache;
  let out = cache.get(ev);
  if (out === undefined) {
    const f = new Fields();
    f.int(evType, ev.type === 'delete' ? 1 : 0);
    f.bytes(evKv, encodeKeyValue(ev.kv));
    if (cache === eventWithPrevCache) f.bytes(evPrev, encodeKeyValue(ev.prevKv!));
    out = f.finish();
    cache.set(ev, out);
  }
  return out;
}

export interface HeaderValues {
  clusterId: bigint;
  memberId: bigint;
  revision: number;
  raftTerm: number | bigint;
}

/** etcdserverpb.ResponseHeader. */
export function encodeHeader(h: HeaderValues): Buffer {
  const f = new Fields();
  f.int(hdrCluster, h.clusterId);
  f.int(hdrMember, h.memberId);
  f.int(hdrRevision, h.revision);
  f.int(hdrTerm, h.raftTerm);
  return f.finish();
}

export interface WatchResponseParts {
  /** An encoded ResponseHeader. */
  header: Buffer;
  watchId: bigint;
  created?: boolean;
  canceled?: boolean;
  compactRevision?: number;
  cancelReason?: string;
  fragment?: boolean;
  /** Encoded Events, in order. */
  events?: readonly Buffer[];
}

function responseFields(p: WatchResponseParts): Fields {
  const f = new Fields();
  f.bytes(wrHeader, p.header);
  f.int(wrWatchId, p.watchId);
  f.bool(wrCreated, p.created);
  f.bool(wrCanceled, p.canceled);
  f.int(wrCompact, p.compactRevision ?? 0);
  if (p.cancelReason !== undefined && p.cancelReason !== '') {
    f.bytes(wrReason, Buffer.from(p.cancelReason, 'utf8'));
  }
  f.bool(wrFragment, p.fragment);
  return f;
}

/** Bytes of the response without its events. */
export function responseBaseSize(p: Omit<WatchResponseParts, 'events'>): number {
  return responseFields(p).size;
}

/** etcdserverpb.WatchResponse. */
export function encodeWatchResponse(p: WatchResponseParts): Buffer {
  const f = responseFields(p);
  for (const ev of p.events ?? []) f.bytes(wrEvents, ev);
  return f.finish();
}
