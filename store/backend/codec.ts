// The one msgpackr configuration of the store, and checksummed records.
//
// `int64AsType: 'bigint'`: bigint values (member ids, lease ids, raft votes) encode as
// 64-bit integers and decode back to bigint; plain numbers stay numbers.
// `useRecords: false`: every value is self-describing, so nothing but the
// bytes is needed to decode them in another process or a later version.

import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: false, int64AsType: 'bigint', mapsAsObjects: true });

export function encode(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function decode<T>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}

/** Bytes of the checksum that prefixes every stored record. */
export const checksumBytes = 4;

/** A stored record: crc32 of the payload (big-endian), then the payload. */
export function seal(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(checksumBytes + payload.length);
  new DataView(out.buffer).setUint32(0, crc32(payload));
  out.set(payload, checksumBytes);
  return out;
}

/**
 * seal(), but the record is carved out of Buffer's shared pool — about 1 µs
 * cheaper per record than a fresh Uint8Array, which is most of the cost of
 * sealing a 256-byte raft entry. For records handed straight to a level write
 * (level copies them): a kept one would pin its whole pool slab.
 */
export function sealForWrite(payload: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(checksumBytes + payload.length);
  out.writeUInt32BE(crc32(payload), 0);
  out.set(payload, checksumBytes);
  return out;
}

/** The payload of a record, or undefined if it is too short or its checksum does not match. */
export function unseal(record: Uint8Array): Uint8Array | undefined {
  if (record.length < checksumBytes) return undefined;
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const payload = record.subarray(checksumBytes);
  return view.getUint32(0) === crc32(payload) ? payload : undefined;
}

/** encode + seal. */
export function encodeRecord(value: unknown): Uint8Array {
  return seal(encode(value));
}

/** encode + sealForWrite: a record to hand straight to a level write, not to keep. */
export function encodeRecordForWrite(value: unknown): Uint8Array {
  return sealForWrite(encode(value));
}

/** unseal + decode; undefined when the record is damaged. */
export function decodeRecord<T>(record: Uint8Array): T | undefined {
  const payload = unseal(record);
  return payload === undefined ? undefined : decode<T>(payload);
}
