// Watchers for integration tests that record what they receive, in the
// watch validator's terms (store/check/watch-types.ts), and resume on
// another member after a disconnect from the last revision seen + 1, as
// etcd's client does. One stream per watcher, so every response (progress
// ones with watch_id -1 included) belongs to it.

import * as grpc from '@grpc/grpc-js';
import type {
  CommittedRevision,
  WatchEvent,
  WatchFilter,
  WatchKeyValue,
  WatchRequestSpec,
  WatchResponseRecord,
  WatchSegment,
  WatcherObservation,
} from '../../store/check/index.js';
import { clientProtos } from '../../store/server/grpc/protos.js';
import type * as w from '../../store/server/grpc/wire-types.js';

type Call = grpc.ClientDuplexStream<w.WatchRequest<'out'>, w.WatchResponse<'in'>>;

function kvIn(kv: w.KeyValue<'in'>): WatchKeyValue {
  return {
    key: new Uint8Array(kv.key),
    value: new Uint8Array(kv.value),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
    lease: kv.lease,
  };
}

export function eventIn(e: w.Event<'in'>): WatchEvent {
  const kv = kvIn(e.kv!);
  const event: WatchEvent = { type: e.type === 1 ? 'delete' : 'put', ...kv };
  if (e.prev_kv !== null) event.prevKv = kvIn(e.prev_kv);
  return event;
}

export function responseIn(r: w.WatchResponse<'in'>): WatchResponseRecord {
  const record: WatchResponseRecord = {
    headerRevision: Number(r.header?.revision ?? 0),
    events: r.events.map(eventIn),
  };
  if (r.created) record.created = true;
  if (r.canceled) record.canceled = true;
  if (r.compact_revision !== '0') record.compactRevision = Number(r.compact_revision);
  if (r.fragment) record.fragment = true;
  return record;
}

function open(endpoint: string): { client: grpc.Client; call: Call } {
  const Watch = clientProtos().clients.Watch;
  const client = new Watch(endpoint, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 2 ** 31 - 1,
  });
  const call = (client as unknown as { Watch(): Call }).Watch();
  return { client, call };
}

interface Segment {
  startRevision: number;
  responses: WatchResponseRecord[];
  member: string;
  end: WatchSegment['end'];
}

export interface Endpoints {
  /** Members a watcher may move to, in order of preference after `from`. */
  next(from: string): string;
  endpoint(name: string): string;
}

const filterNumbers: Record<WatchFilter, 0 | 1> = { NOPUT: 0, NODELETE: 1 };

/** One logical watcher: a segment per stream, resumed until stop(). */
export class ResumingWatcher {
  private readonly segments: Segment[] = [];
  private current: { client: grpc.Client; call: Call; segment: Segment } | undefined;
  private stopped = false;
  /** Highest revision every matching event up to which has arrived (events and bookmarks). */
  seenThrough = 0;
  private lastEvent = 0;
  private lastBookmark = 0;
  private createdHeader: number | undefined;
  resumes = 0;

  constructor(
    readonly id: string,
    readonly request: WatchRequestSpec,
    private readonly members: Endpoints,
    member: string,
  ) {
    this.connect(member, request.startRevision ?? 0);
  }

  /** Asks the current stream for a progress notification (a bookmark). */
  requestProgress(): void {
    this.current?.call.write({ progress_request: {} });
  }

  get member(): string | undefined {
    return this.current?.segment.member;
  }

  observation(requireThrough?: number): WatcherObservation {
    return {
      id: this.id,
      request: this.request,
      segments: this.segments.map((s, i) => ({
        ...(i > 0 || s.startRevision !== (this.request.startRevision ?? 0)
          ? { startRevision: s.startRevision }
          : {}),
        responses: s.responses,
        end: s.end,
        member: s.member,
      })),
      ...(requireThrough === undefined ? {} : { requireThrough }),
    };
  }

  stop(): void {
    this.stopped = true;
    const c = this.current;
    this.current = undefined;
    if (c === undefined) return;
    c.segment.end = 'open';
    c.call.cancel();
    c.client.close();
  }

  /** Where a resumed stream starts: right after everything seen (etcd's client: last revision + 1). */
  private resumeRevision(): number {
    const seen = Math.max(this.lastEvent, this.lastBookmark);
    if (seen > 0) return seen + 1;
    if (this.createdHeader !== undefined && (this.request.startRevision ?? 0) === 0) {
      return this.createdHeader + 1;
    }
    return this.request.startRevision ?? 0;
  }

  private connect(member: string, startRevision: number): void {
    if (this.stopped) return;
    const { client, call } = open(this.members.endpoint(member));
    const segment: Segment = { startRevision, responses: [], member, end: 'open' };
    this.segments.push(segment);
    this.current = { client, call, segment };
    let done = false;
    const lost = () => {
      if (done) return;
      done = true;
      segment.end = 'disconnected';
      call.cancel();
      client.close();
      if (this.stopped) return;
      this.resumes++;
      const next = this.members.next(member);
      setTimeout(() => this.connect(next, this.resumeRevision()), 50).unref();
    };
    call.on('data', (r: w.WatchResponse<'in'>) => this.receive(segment, r));
    call.on('error', lost);
    call.on('end', lost);
    const filters = (this.request.filters ?? []).map((f) => filterNumbers[f]);
    call.write({
      create_request: {
        key: this.request.key as Uint8Array,
        ...(this.request.rangeEnd === undefined
          ? {}
          : { range_end: this.request.rangeEnd as Uint8Array }),
        start_revision: startRevision,
        prev_kv: this.request.prevKv === true,
        filters,
      },
    });
  }

  private receive(segment: Segment, r: w.WatchResponse<'in'>): void {
    const record = responseIn(r);
    segment.responses.push(record);
    if (record.created && this.createdHeader === undefined && this.segments.length === 1) {
      this.createdHeader = record.headerRevision;
    }
    for (const e of record.events) this.lastEvent = Math.max(this.lastEvent, e.modRevision);
    if (record.fragment) return;
    const progress = record.events.length === 0 && !record.created && !record.canceled;
    if (progress) this.lastBookmark = Math.max(this.lastBookmark, record.headerRevision);
    this.seenThrough = Math.max(this.lastEvent, this.lastBookmark);
    if (record.canceled) segment.end = record.compactRevision ? 'compacted' : 'canceled';
  }
}

/**
 * The store's whole history as the validator takes it, read with a watch
 * from revision 1 (history reads of whole revisions from the backend):
 * waits until a bookmark shows every revision up to `through` has arrived.
 */
export async function readHistory(
  endpoint: string,
  through: number,
  timeoutMs = 20_000,
): Promise<CommittedRevision[]> {
  const { client, call } = open(endpoint);
  const byRevision = new Map<number, WatchEvent[]>();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`history through ${through} not read`)),
        timeoutMs,
      );
      const poll = setInterval(() => call.write({ progress_request: {} }), 100);
      call.on('error', (e) => {
        clearTimeout(timer);
        clearInterval(poll);
        reject(e);
      });
      call.on('data', (r: w.WatchResponse<'in'>) => {
        for (const e of r.events) {
          const ev = eventIn(e);
          const list = byRevision.get(ev.modRevision) ?? [];
          list.push(ev);
          byRevision.set(ev.modRevision, list);
        }
        const progress = r.events.length === 0 && !r.created && !r.canceled;
        if (progress && Number(r.header?.revision) >= through) {
          clearTimeout(timer);
          clearInterval(poll);
          resolve();
        }
      });
      call.write({
        create_request: { key: Uint8Array.of(0), range_end: Uint8Array.of(0), start_revision: 1 },
      });
    });
  } finally {
    call.cancel();
    client.close();
  }
  return [...byRevision]
    .sort((a, b) => a[0] - b[0])
    .map(([revision, events]) => ({ revision, events }));
}
