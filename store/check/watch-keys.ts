// Keys and values inside the watch validator are "byte strings": one char per
// byte (code 0-255). Equal bytes give equal strings, so they work as Map keys,
// and JavaScript's string order on them is etcd's bytewise key order, so range
// checks are plain comparisons. This file converts to them, prints them, and
// decides which keys and events a watch request covers.

import { HistoryError } from './errors.js';
import type { WatchBytes, WatchFilter, WatchLease, WatchRequestSpec } from './watch-types.js';

/** Longest key or value printed in an explanation, in bytes; longer ones are cut with "…". */
export const maxPrintedBytes = 48;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
/** String.fromCharCode takes its bytes as arguments; stay far below engines' argument limits. */
const fromCharCodeChunkBytes = 8192;

/** One char per byte. A string input stands for its UTF-8 encoding. */
export function byteString(bytes: WatchBytes | undefined): string {
  if (bytes === undefined) return '';
  if (typeof bytes === 'string') {
    if (isAscii(bytes)) return bytes;
    bytes = utf8Encoder.encode(bytes);
  }
  let out = '';
  for (let i = 0; i < bytes.length; i += fromCharCodeChunkBytes) {
    out += String.fromCharCode(...bytes.subarray(i, i + fromCharCodeChunkBytes));
  }
  return out;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** A byte string for humans: JSON-quoted text when it is printable UTF-8, 0x-hex otherwise. */
export function printable(bytes: string): string {
  const cut = bytes.length > maxPrintedBytes;
  const shown = cut ? bytes.slice(0, maxPrintedBytes) : bytes;
  const raw = Uint8Array.from(shown, (c) => c.charCodeAt(0));
  let text: string | undefined;
  try {
    text = utf8Decoder.decode(raw);
  } catch {
    text = undefined; // not UTF-8 (or cut inside a character): hex below
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we look for
  if (text !== undefined && !/[\u0000-\u001f\u007f]/.test(text)) {
    return JSON.stringify(text) + (cut ? '…' : '');
  }
  let hex = '0x';
  for (const b of raw) hex += b.toString(16).padStart(2, '0');
  return hex + (cut ? '…' : '');
}

/** A lease id as a decimal string; absent means 0 (no lease). */
export function leaseString(lease: WatchLease | undefined): string {
  if (lease === undefined) return '0';
  if (typeof lease === 'number' && Number.isSafeInteger(lease)) return String(lease); // fast path
  try {
    return BigInt(lease).toString();
  } catch {
    throw new HistoryError(`lease ${String(lease)} is not an integer`);
  }
}

/** Which keys and event types a watch request covers. */
export interface WatchMatcher {
  keyInRange(key: string): boolean;
  typeWanted(type: 'put' | 'delete'): boolean;
  /** The range in words, for explanations: `key "a"`, `prefix-like range ["a", "b")`, ... */
  describe(): string;
}

export function compileMatcher(request: WatchRequestSpec): WatchMatcher {
  const from = byteString(request.key);
  const end = byteString(request.rangeEnd);
  const filters = new Set<WatchFilter>(request.filters ?? []);
  const keyInRange =
    end === ''
      ? (key: string) => key === from
      : end === '\0'
        ? (key: string) => key >= from
        : (key: string) => key >= from && key < end;
  const range =
    end === ''
      ? `key ${printable(from)}`
      : end === '\0'
        ? `keys from ${printable(from)}`
        : `range [${printable(from)}, ${printable(end)})`;
  const filterText = filters.size === 0 ? '' : ` without ${[...filters].join(', ')}`;
  return {
    keyInRange,
    typeWanted: (type) => !filters.has(type === 'put' ? 'NOPUT' : 'NODELETE'),
    describe: () => range + filterText,
  };
}
