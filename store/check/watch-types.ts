// The vocabulary of the watch validator: what the store committed (the KV
// history), what each watcher received (its observations), and what the
// validator says about them (violations). Shapes follow etcd's v3 messages
// (mvccpb.Event, etcdserverpb.WatchCreateRequest / WatchResponse) in
// camelCase, flattened where that makes hand-written histories shorter.
//
// Keys and values are bytes; a string stands for its UTF-8 encoding, so
// `'a'` and `new Uint8Array([0x61])` are the same key. Revisions are safe
// integers, as in store/mvcc.

/** A key or value: bytes, or a string standing for its UTF-8 bytes. */
export type WatchBytes = Uint8Array | string;

/** A lease id; absent or 0 means no lease. Compared as a 64-bit integer. */
export type WatchLease = bigint | number | string;

/** One version of a key (mvccpb.KeyValue). */
export interface WatchKeyValue {
  key: WatchBytes;
  /** Absent means empty. */
  value?: WatchBytes;
  createRevision: number;
  modRevision: number;
  version: number;
  lease?: WatchLease;
}

/**
 * One event (mvccpb.Event), flattened: the fields of `kv` sit on the event itself. As in etcd, a
 * delete carries the key and `modRevision` = the deleting revision, and zeros elsewhere. The
 * event's revision is its `modRevision`.
 */
export interface WatchEvent extends WatchKeyValue {
  type: 'put' | 'delete';
  /** The key's previous version, when the watcher asked for it and the key had one. */
  prevKv?: WatchKeyValue;
}

/** Every event one write transaction committed, in the order the store applied them. */
export interface CommittedRevision {
  revision: number;
  events: readonly WatchEvent[];
}

/**
 * What the store committed. Revisions in [knownFrom, knownThrough] are known completely: a
 * revision in that span missing from `revisions` committed no event. Outside it nothing is known:
 * an observed event there is checked only against the watcher's own stream (order, uniqueness,
 * atomicity, headers), never against content, and is never required. That is how a test states
 * that a write's outcome is unknown (the leader died before answering): it stops `knownThrough`
 * below it.
 */
export interface KvHistory {
  revisions: readonly CommittedRevision[];
  /** First revision known completely. Default 1: the history starts at the empty store. */
  knownFrom?: number;
  /** Last revision known completely. Default: the last listed revision (or knownFrom). */
  knownThrough?: number;
  /**
   * Each event carries `prevKv` as etcd sends it to a prevKv watcher (absent = the key had no
   * previous version). Set it when the history starts after revision 1 (knownFrom > 1) and was
   * read by a prevKv watch; otherwise previous versions are derived from the history itself, and
   * left unchecked for keys whose state before knownFrom is unknown.
   */
  hasPrevKv?: boolean;
  /**
   * The store's highest compaction revision during the run, if any. etcd reads an event's prevKv
   * at modRevision - 1 and leaves it out when that revision is compacted, so an absent prevKv is
   * accepted for events at or below it.
   */
  compactRevision?: number;
}

/** etcd's watch filters (etcdserverpb.WatchCreateRequest.FilterType). */
export type WatchFilter = 'NOPUT' | 'NODELETE';

/** What a watcher asked for (etcdserverpb.WatchCreateRequest). */
export interface WatchRequestSpec {
  key: WatchBytes;
  /**
   * etcd's semantics: absent or empty = the single key `key`; a single zero byte = every key
   * from `key` on; otherwise the half-open range [key, rangeEnd).
   */
  rangeEnd?: WatchBytes;
  /** First revision wanted; absent or 0 = "from now" (the created response's header + 1). */
  startRevision?: number;
  filters?: readonly WatchFilter[];
  prevKv?: boolean;
}

/** One response the watcher received (etcdserverpb.WatchResponse), in arrival order. */
export interface WatchResponseRecord {
  headerRevision: number;
  events: readonly WatchEvent[];
  created?: boolean;
  canceled?: boolean;
  /** Set (> 0) when the server canceled the watch because its next revision was compacted. */
  compactRevision?: number;
  /** More of the same response follows; fragments are merged before any check. */
  fragment?: boolean;
  /**
   * A progress notification (bookmark): the watcher has every matching event ≤ headerRevision.
   * Default: a response with no events that is neither created nor canceled.
   */
  progress?: boolean;
}

/** How a segment ended; informational, used in explanations. */
export type WatchSegmentEnd = 'open' | 'canceled' | 'compacted' | 'disconnected';

/**
 * One stream of responses from one member. A watch resumed on another member (after a
 * disconnect, from the last revision seen + 1) is the next segment of the same watcher, and all
 * segments are checked as one logical watch.
 */
export interface WatchSegment {
  /**
   * The revision this segment asked for. Segment 0 defaults to `request.startRevision` (and must
   * agree with it when both are given); a resumed segment must say (0 = it resumed "from now",
   * which risks a gap).
   */
  startRevision?: number;
  responses: readonly WatchResponseRecord[];
  end?: WatchSegmentEnd;
  /** Which member served it, for explanations. */
  member?: string;
}

export interface WatcherObservation {
  id: string;
  request: WatchRequestSpec;
  segments: readonly WatchSegment[];
  /**
   * The watcher should have received every matching event up to this revision by the end (the
   * test waited for it to catch up). Without it nothing past the last event or bookmark seen is
   * required, since delivery may simply not have happened yet.
   */
  requireThrough?: number;
}

/** One guarantee each; see watch.ts for the exact rules. */
export type WatchViolationKind =
  | 'ordered'
  | 'unique'
  | 'reliable'
  | 'atomic'
  | 'content'
  | 'bookmark'
  | 'time-travel'
  /** An event outside the watcher's range, filters, or start revision. */
  | 'unrequested'
  /** A compaction cancel for a watcher that was not behind the compaction. */
  | 'compaction'
  /** A resumed segment that did not start at the last revision seen + 1. */
  | 'resume';

export interface WatchViolation {
  kind: WatchViolationKind;
  watcherId: string;
  /** The revision the violation is about (an event's, or a header's). */
  revision: number;
  /** The key, printable (a JSON string, or 0x-hex for bytes that are not text). */
  key?: string;
  /** Where it was seen: segment index and merged-response index within it (0-based). */
  segment?: number;
  response?: number;
  /** One line: what was expected and what was seen. */
  message: string;
}

export interface WatchCheckStats {
  watchers: number;
  segments: number;
  /** Responses after merging fragments. */
  responses: number;
  progressNotifications: number;
  observedEvents: number;
  /** Observed events compared against a committed event. */
  contentChecked: number;
  /** Committed events some watcher was required to deliver. */
  requiredEvents: number;
  committedEvents: number;
}

export type WatchCheckResult =
  | { ok: true; stats: WatchCheckStats }
  | {
      ok: false;
      violations: WatchViolation[];
      /** Violations past `maxViolations`, counted but not kept. */
      omittedViolations: number;
      stats: WatchCheckStats;
    };

export interface WatchCheckOptions {
  /** Keep at most this many violations (the rest are counted). Default DEFAULT_MAX_WATCH_VIOLATIONS. */
  maxViolations?: number;
}
