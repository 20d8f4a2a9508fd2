// "Correct content": an observed event must equal the committed one field by
// field, and its prevKv (when the watch asked for it) must be the key's
// previous live version, or absent when there was none. etcd fills prevKv by
// reading the key at modRevision - 1 and silently leaves it out when that read
// fails because the revision is compacted; that one absence is accepted.

import { printable } from './watch-keys.js';
import type { CommittedEntry, NormEvent, NormKv } from './watch-history.js';

/** Differences listed in one explanation before "…". */
const maxListedDifferences = 3;

export interface ContentContext {
  prevKvRequested: boolean;
  /** The store's compaction revision (0 = none): prevKv may be absent at or below it + 1. */
  compactRevision: number;
}

/** What differs between the committed and the observed event, in words; undefined if nothing. */
export function contentMismatch(
  committed: CommittedEntry,
  seen: NormEvent,
  context: ContentContext,
): string | undefined {
  // The common case, without building any strings.
  if (committed.type === seen.type && kvEqual(committed.kv, seen.kv)) {
    return prevKvMismatch(committed, seen, context);
  }
  const differences: string[] = [];
  if (committed.type !== seen.type) {
    differences.push(`type: committed ${committed.type}, saw ${seen.type}`);
  }
  differences.push(...kvDifferences('', committed.kv, seen.kv));
  const prev = prevKvMismatch(committed, seen, context);
  if (prev !== undefined) differences.push(prev);
  if (differences.length === 0) return undefined;
  const shown = differences.slice(0, maxListedDifferences).join('; ');
  return differences.length > maxListedDifferences ? `${shown}; …` : shown;
}

function prevKvMismatch(
  committed: CommittedEntry,
  seen: NormEvent,
  context: ContentContext,
): string | undefined {
  if (!context.prevKvRequested) {
    return seen.prevKv === undefined ? undefined : 'prevKv sent though the watch did not ask';
  }
  const expected = committed.prevKv;
  if (expected === undefined) return undefined; // the key's earlier state is not in the history
  if (expected === null) {
    return seen.prevKv === undefined
      ? undefined
      : `prevKv: the key had no previous version, saw ${describeKv(seen.prevKv)}`;
  }
  if (seen.prevKv === undefined) {
    if (committed.revision - 1 < context.compactRevision) return undefined;
    return `prevKv missing: expected ${describeKv(expected)}`;
  }
  if (kvEqual(expected, seen.prevKv)) return undefined;
  const differences = kvDifferences('prevKv.', expected, seen.prevKv);
  return differences.length === 0 ? undefined : differences.join('; ');
}

function kvEqual(a: NormKv, b: NormKv): boolean {
  return (
    a.key === b.key &&
    a.value === b.value &&
    a.createRevision === b.createRevision &&
    a.modRevision === b.modRevision &&
    a.version === b.version &&
    a.lease === b.lease
  );
}

function kvDifferences(prefix: string, expected: NormKv, seen: NormKv): string[] {
  const out: string[] = [];
  const bytes = (field: 'key' | 'value') => {
    if (expected[field] !== seen[field]) {
      out.push(
        `${prefix}${field}: committed ${printable(expected[field])}, saw ${printable(seen[field])}`,
      );
    }
  };
  const scalar = (field: 'createRevision' | 'modRevision' | 'version' | 'lease') => {
    if (expected[field] !== seen[field]) {
      out.push(`${prefix}${field}: committed ${expected[field]}, saw ${seen[field]}`);
    }
  };
  bytes('key');
  bytes('value');
  scalar('createRevision');
  scalar('modRevision');
  scalar('version');
  scalar('lease');
  return out;
}

function describeKv(kv: NormKv): string {
  return `${printable(kv.key)}=${printable(kv.value)} (mod ${kv.modRevision}, version ${kv.version})`;
}
