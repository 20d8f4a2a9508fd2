// The one place where 64-bit numbers from a peer become TypeScript values.
//
// proto-loader runs with `longs: String`, so every uint64 arrives as a decimal
// string; msgpack payloads carry ids as 64-bit integers (bigint) and terms and
// indexes as numbers. Ids become bigint (any uint64 is a valid id). Terms and
// indexes become numbers and must be safe integers: a larger one is refused,
// never rounded, because a rounded index would silently name another entry.

const maxUint64 = (1n << 64n) - 1n;
const decimal = /^(0|[1-9][0-9]*)$/;

/** A value from a peer that no correct member sends; the message carrying it is refused. */
export class WireError extends RangeError {
  override readonly name = 'WireError';
}

/** A uint64 decimal string as a bigint. */
export function parseId(s: unknown, what: string): bigint {
  if (typeof s !== 'string' || !decimal.test(s))
    throw new WireError(`${what}: not a uint64: ${String(s)}`);
  const v = BigInt(s);
  if (v > maxUint64) throw new WireError(`${what}: above 2^64-1: ${s}`);
  return v;
}

/** A uint64 decimal string as a number, refused unless it is a safe integer. */
export function parseIndex(s: unknown, what: string): number {
  if (typeof s !== 'string' || !decimal.test(s))
    throw new WireError(`${what}: not a uint64: ${String(s)}`);
  const v = Number(s);
  if (!Number.isSafeInteger(v)) throw new WireError(`${what}: above 2^53-1: ${s}`);
  return v;
}

/** A msgpack-decoded id: a bigint in the uint64 range. */
export function checkId(v: unknown, what: string): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > maxUint64) {
    throw new WireError(`${what}: not a uint64 id: ${String(v)}`);
  }
  return v;
}

/** A msgpack-decoded term or index: a non-negative safe integer number. */
export function checkIndex(v: unknown, what: string): number {
  // msgpack carries a large integer as uint64 (decoded as bigint) or float64: both are refused.
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new WireError(`${what}: not a non-negative safe integer: ${String(v)}`);
  }
  return v;
}

/** Outgoing: the same rule, checked before anything is queued. */
export function assertOutgoingIndex(v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer, got ${v}`);
  }
}

export function assertOutgoingId(v: bigint, what: string): void {
  if (typeof v !== 'bigint' || v < 0n || v > maxUint64) {
    throw new RangeError(`${what} must be a uint64 bigint, got ${String(v)}`);
  }
}
