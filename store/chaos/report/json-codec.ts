// JSON for history records. Records are mostly plain JSON, but a watcher's
// observation may carry bytes (Uint8Array) and lease ids (bigint), which
// JSON.stringify would mangle into {"0":97,...} or refuse outright. They are
// written as tagged objects, {"$bytes":"<base64>"} and {"$bigint":"<digits>"},
// and restored on reading. A plain object that happens to look like a tag is
// wrapped as {"$object":{...}} so that decoding never confuses the two.
//
// Invariant: decode(JSON.parse(encode(v))) deep-equals v for every value made
// of plain objects, arrays, strings, finite numbers, booleans, null, bigints
// and Uint8Arrays, except that properties whose value is undefined are
// dropped (as JSON does).

import { Buffer } from 'node:buffer';

const bytesTag = '$bytes';
const bigintTag = '$bigint';
const objectTag = '$object';
const tags = new Set([bytesTag, bigintTag, objectTag]);

function looksTagged(o: object): boolean {
  const keys = Object.keys(o);
  return keys.length === 1 && tags.has(keys[0]!);
}

// The wrappers this module made: the replacer sees each one's member next and must not wrap it
// again. (Only fresh wrapper objects are in here, so data can never be mistaken for one.)
const wrappers = new WeakSet<object>();

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return { [bigintTag]: value.toString() };
  if (value instanceof Uint8Array) return { [bytesTag]: Buffer.from(value).toString('base64') };
  if (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    looksTagged(value) &&
    !(typeof this === 'object' && this !== null && wrappers.has(this))
  ) {
    const wrapper = { [objectTag]: value };
    wrappers.add(wrapper);
    return wrapper;
  }
  return value;
}

/** One value as one line of JSON (no newline inside: JSON escapes them in strings). */
export function encodeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, replacer, indent);
}

/** Whether a line of encodeJson output may hold a tag at all (the common case: it does not). */
export function mayHoldTags(json: string): boolean {
  return json.includes('"$');
}

/** Restores what encodeJson tagged, top-down, from JSON.parse's output. */
export function decodeJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(decodeJson);
  const o = value as Record<string, unknown>;
  if (looksTagged(o)) {
    const [tag] = Object.keys(o);
    const inner = o[tag!];
    if (tag === bigintTag && typeof inner === 'string') return BigInt(inner);
    if (tag === bytesTag && typeof inner === 'string') {
      return new Uint8Array(Buffer.from(inner, 'base64'));
    }
    if (tag === objectTag && inner !== null && typeof inner === 'object') {
      return decodeFields(inner as Record<string, unknown>);
    }
  }
  return decodeFields(o);
}

function decodeFields(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    // JSON.parse makes "__proto__" an own property; assigning it would set the prototype instead.
    if (k === '__proto__') {
      Object.defineProperty(out, k, {
        value: decodeJson(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      out[k] = decodeJson(v);
    }
  }
  return out;
}
