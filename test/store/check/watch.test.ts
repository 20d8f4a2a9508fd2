// The watch validator, read as a specification: for each of etcd's watch
// guarantees, a hand-built history where a watcher breaks it (and the
// violation names the watcher, revision and key), the legal cases that look
// alike (compaction cancels, filters, ranges, fragments, "from now", resumes),
// and a randomized test: random histories, correct observations that must
// pass, and one mutation that must be caught.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { HistoryError } from '../../../store/check/errors.js';
import { checkWatches, formatWatchReport } from '../../../store/check/watch.js';
import type {
  KvHistory,
  WatchCheckResult,
  WatchEvent,
  WatchRequestSpec,
  WatchResponseRecord,
  WatchViolation,
  WatchViolationKind,
  WatcherObservation,
} from '../../../store/check/watch-types.js';
import {
  compacted,
  created,
  del,
  deliver,
  everything,
  FakeStore,
  progress,
  put,
  response,
  segment,
  watcher,
} from './watch-fixtures.js';
import { randomCaseSeeds, runRandomCase } from './watch-random.js';

/**
 * rev 2: put a=1        rev 3: put b=1      rev 4: put a=2, put c=1 (one txn)
 * rev 5: delete b       rev 6: put ab=1 (lease 7)   rev 7: put a=3   rev 8: put d=1
 */
function scenario(): FakeStore {
  const store = new FakeStore();
  store.txn(put('a', '1'));
  store.txn(put('b', '1'));
  store.txn(put('a', '2'), put('c', '1'));
  store.txn(del('b'));
  store.txn(put('ab', '1', 7));
  store.txn(put('a', '3'));
  store.txn(put('d', '1'));
  return store;
}

const withPrevKv: WatchRequestSpec = { ...everything, prevKv: true, startRevision: 2 };

function check(store: FakeStore, ...watchers: WatcherObservation[]): WatchCheckResult {
  return checkWatches(store.history(), watchers);
}

function checkHistory(history: KvHistory, ...watchers: WatcherObservation[]): WatchCheckResult {
  return checkWatches(history, watchers);
}

function assertOk(result: WatchCheckResult): void {
  assert.ok(result.ok, formatWatchReport(result));
}

function violations(result: WatchCheckResult): WatchViolation[] {
  assert.ok(!result.ok, 'expected violations, the check passed');
  return result.violations;
}

/** The violations, which must all be of the listed kinds and include each of them. */
function expectKinds(result: WatchCheckResult, ...kinds: WatchViolationKind[]): WatchViolation[] {
  const found = violations(result);
  const report = formatWatchReport(result);
  for (const kind of kinds)
    assert.ok(
      found.some((v) => v.kind === kind),
      `no ${kind}:\n${report}`,
    );
  for (const v of found) assert.ok(kinds.includes(v.kind), `unexpected ${v.kind}:\n${report}`);
  return found;
}

function only(result: WatchCheckResult, kind: WatchViolationKind): WatchViolation {
  const found = expectKinds(result, kind);
  assert.equal(found.length, 1, formatWatchReport(result));
  return found[0]!;
}

/** The scenario delivered to a full-keyspace prevKv watch from revision 2, one revision per response. */
function fullDelivery(store: FakeStore): WatchResponseRecord[] {
  return [created(1), ...deliver(store, withPrevKv, 2, 8)];
}

describe('legal watches pass', () => {
  it('a full-keyspace prevKv watch from revision 2 seeing every revision', () => {
    const store = scenario();
    assertOk(check(store, watcher('w', withPrevKv, segment(fullDelivery(store)))));
  });

  it('several revisions per response, with bookmarks between them', () => {
    const store = scenario();
    const ev = (r: number) => store.eventsFor(withPrevKv, r);
    const responses = [
      created(3),
      response(4, [...ev(2), ...ev(3), ...ev(4)]),
      progress(4),
      response(8, [...ev(5), ...ev(6)]),
      response(8, [...ev(7), ...ev(8)]),
      progress(9),
    ];
    assertOk(check(store, watcher('w', withPrevKv, segment(responses))));
  });

  it('filters: NOPUT sees only the delete, NODELETE only the puts', () => {
    const store = scenario();
    const noPut: WatchRequestSpec = { ...everything, startRevision: 2, filters: ['NOPUT'] };
    const noDelete: WatchRequestSpec = { ...everything, startRevision: 2, filters: ['NODELETE'] };
    const deletes = deliver(store, noPut, 2, 8);
    assert.equal(deletes.length, 1);
    assertOk(
      check(
        store,
        watcher('noput', noPut, segment(deletes)),
        watcher('nodelete', noDelete, segment(deliver(store, noDelete, 2, 8))),
      ),
    );
  });

  it('a prefix range, a from-key range and a single key', () => {
    const store = scenario();
    const prefix: WatchRequestSpec = { key: 'a', rangeEnd: 'b', startRevision: 2 };
    const fromB: WatchRequestSpec = { key: 'b', rangeEnd: '\0', startRevision: 2 };
    const single: WatchRequestSpec = { key: 'a', startRevision: 2 };
    assert.deepEqual(store.revisionsFor(prefix, 2, 8), [2, 4, 6, 7]);
    assert.deepEqual(store.revisionsFor(fromB, 2, 8), [3, 4, 5, 8]);
    assertOk(
      check(
        store,
        watcher('prefix', prefix, segment(deliver(store, prefix, 2, 8))),
        watcher('from-b', fromB, segment(deliver(store, fromB, 2, 8))),
        watcher('single', single, segment(deliver(store, single, 2, 8))),
      ),
    );
  });

  it('fragments of one revision are merged before the atomicity check', () => {
    const store = scenario();
    const [a2, c1] = store.eventsFor(withPrevKv, 4);
    const responses = [
      ...deliver(store, withPrevKv, 2, 3),
      { headerRevision: 4, events: [a2!], fragment: true },
      { headerRevision: 4, events: [c1!] },
      ...deliver(store, withPrevKv, 5, 8),
    ];
    assertOk(check(store, watcher('w', withPrevKv, segment(responses))));
  });

  it('startRevision 0 starts after the created header', () => {
    const store = scenario();
    const fromNow: WatchRequestSpec = { ...everything };
    const ok = [created(5), ...deliver(store, fromNow, 6, 8)];
    assertOk(check(store, watcher('w', fromNow, segment(ok))));
    // A write racing the creation may show up at or below the header; that is fine too.
    const racing = [created(5), ...deliver(store, fromNow, 5, 8)];
    assertOk(check(store, watcher('w', fromNow, segment(racing))));
  });

  it('startRevision 0 still needs every event after the created header', () => {
    const store = scenario();
    const fromNow: WatchRequestSpec = { ...everything };
    const responses = [created(5), ...deliver(store, fromNow, 7, 8)];
    const v = only(check(store, watcher('w', fromNow, segment(responses))), 'reliable');
    assert.equal(v.revision, 6);
    assert.equal(v.key, '"ab"');
  });

  it('a resume on another member exactly at last + 1', () => {
    const store = scenario();
    const seg0 = segment(
      [created(1), ...deliver(store, withPrevKv, 2, 4)],
      undefined,
      'disconnected',
    );
    const seg1 = segment([created(4), ...deliver(store, withPrevKv, 5, 8)], 5);
    assertOk(check(store, watcher('w', withPrevKv, seg0, seg1)));
  });

  it('a resume right after a bookmark, past the last event', () => {
    const store = scenario();
    const prefix: WatchRequestSpec = { key: 'a', rangeEnd: 'b', startRevision: 2, prevKv: true };
    const seg0 = segment([created(1), ...deliver(store, prefix, 2, 4), progress(5)]);
    const seg1 = segment([created(5), ...deliver(store, prefix, 6, 8)], 6);
    assertOk(check(store, watcher('w', prefix, seg0, seg1)));
  });

  it('a compaction cancel for a watcher started below it, then a fresh watch from it', () => {
    const store = scenario();
    const seg0 = segment([created(8), compacted(8, 5)], undefined, 'compacted');
    const seg1 = segment([created(8), ...deliver(store, withPrevKv, 5, 8, 8)], 5);
    const w = watcher('w', withPrevKv, seg0, seg1);
    assertOk(checkWatches(store.history({ compactRevision: 5 }), [w]));
  });

  it('a compaction cancel after some events: nothing past it is expected', () => {
    const store = scenario();
    const seg0 = segment([...deliver(store, withPrevKv, 2, 3), compacted(8, 6)]);
    assertOk(check(store, watcher('w', withPrevKv, seg0)));
  });

  it('events above knownThrough (a write whose outcome is unknown) are not checked for content', () => {
    const store = scenario();
    const history = store.history({ knownThrough: 6 });
    history.revisions = history.revisions.filter((r) => r.revision <= 6);
    const odd: WatchEvent = {
      type: 'put',
      key: 'x',
      value: '?',
      createRevision: 7,
      modRevision: 7,
      version: 1,
    };
    const responses = [...deliver(store, withPrevKv, 2, 6), response(7, [odd])];
    assertOk(checkHistory(history, watcher('w', withPrevKv, segment(responses))));
  });

  it('a history that starts late (knownFrom) with prevKv taken from it', () => {
    const store = scenario();
    const full = store.history();
    const prevKvs = new Map([5, 6, 7, 8].map((r) => [r, store.eventsFor(withPrevKv, r)] as const));
    const history: KvHistory = {
      revisions: [...prevKvs].map(([revision, events]) => ({ revision, events })),
      knownFrom: 5,
      hasPrevKv: true,
    };
    assert.ok(full.revisions.length > history.revisions.length);
    const w = watcher('w', withPrevKv, segment(deliver(store, withPrevKv, 2, 8)));
    assertOk(checkHistory(history, w));
  });

  it('keys given as bytes equal the same keys given as strings', () => {
    const store = scenario();
    const bytes: WatchRequestSpec = { key: new Uint8Array([0x61]), startRevision: 2 };
    const responses = deliver(store, { key: 'a', startRevision: 2 }, 2, 8).map((r) => ({
      ...r,
      events: r.events.map((e) => ({ ...e, key: new TextEncoder().encode(e.key as string) })),
    }));
    assertOk(check(store, watcher('w', bytes, segment(responses))));
  });
});

describe('each guarantee, broken', () => {
  it('reliable: a dropped event', () => {
    const store = scenario();
    const responses = fullDelivery(store).filter((r) => r.headerRevision !== 5 || r.created);
    const v = only(check(store, watcher('w1', withPrevKv, segment(responses))), 'reliable');
    assert.deepEqual([v.watcherId, v.revision, v.key], ['w1', 5, '"b"']);
    assert.match(v.message, /delete "b"@5 never arrived, though put "ab"@6 did/);
  });

  it('reliable: requireThrough makes the tail required', () => {
    const store = scenario();
    const w = {
      ...watcher('w', withPrevKv, segment(deliver(store, withPrevKv, 2, 6))),
      requireThrough: 8,
    };
    const found = expectKinds(check(store, w), 'reliable');
    assert.deepEqual(
      found.map((v) => v.revision),
      [7, 8],
    );
  });

  it('unique: a duplicated event', () => {
    const store = scenario();
    const responses = fullDelivery(store);
    responses.splice(3, 0, response(3, store.eventsFor(withPrevKv, 3)));
    const v = only(check(store, watcher('w', withPrevKv, segment(responses))), 'unique');
    assert.deepEqual([v.revision, v.key, v.segment, v.response], [3, '"b"', 0, 3]);
    assert.match(v.message, /first delivered in seg 0 resp 2/);
  });

  it('ordered: two revisions swapped', () => {
    const store = scenario();
    const responses = [
      ...deliver(store, withPrevKv, 2, 4),
      response(6, store.eventsFor(withPrevKv, 6)),
      response(6, store.eventsFor(withPrevKv, 5)),
      ...deliver(store, withPrevKv, 7, 8),
    ];
    const v = only(check(store, watcher('w', withPrevKv, segment(responses))), 'ordered');
    assert.deepEqual([v.revision, v.key], [5, '"b"']);
    assert.match(v.message, /arrived after put "ab"@6/);
  });

  it('ordered: events of one txn out of commit order', () => {
    const store = scenario();
    const [a2, c1] = store.eventsFor(withPrevKv, 4);
    const responses = [
      ...deliver(store, withPrevKv, 2, 3),
      response(4, [c1!, a2!]),
      ...deliver(store, withPrevKv, 5, 8),
    ];
    const v = only(check(store, watcher('w', withPrevKv, segment(responses))), 'ordered');
    assert.deepEqual([v.revision, v.key], [4, '"a"']);
  });

  it('atomic: one revision split across two responses', () => {
    const store = scenario();
    const [a2, c1] = store.eventsFor(withPrevKv, 4);
    const responses = [
      ...deliver(store, withPrevKv, 2, 3),
      response(4, [a2!]),
      response(4, [c1!]),
      ...deliver(store, withPrevKv, 5, 8),
    ];
    const v = only(check(store, watcher('w', withPrevKv, segment(responses))), 'atomic');
    assert.deepEqual([v.revision, v.key, v.response], [4, '"c"', 3]);
    assert.match(v.message, /split revision 4 across responses: seg 0 resp 2 and seg 0 resp 3/);
  });

  it('content: a wrong value, a wrong version, a wrong lease', () => {
    const store = scenario();
    const responses = deliver(store, withPrevKv, 2, 8);
    const at = (r: number) => responses.find((x) => x.headerRevision === r)!;
    at(2).events = [{ ...at(2).events[0]!, value: 'one' }];
    at(7).events = [{ ...at(7).events[0]!, version: 9 }];
    at(6).events = [{ ...at(6).events[0]!, lease: 8 }];
    const found = expectKinds(
      check(store, watcher('w', withPrevKv, segment(responses))),
      'content',
    );
    assert.deepEqual(
      found.map((v) => [v.revision, v.key]),
      [
        [2, '"a"'],
        [6, '"ab"'],
        [7, '"a"'],
      ],
    );
    assert.match(found[0]!.message, /value: committed "1", saw "one"/);
    assert.match(found[1]!.message, /lease: committed 7, saw 8/);
    assert.match(found[2]!.message, /version: committed 3, saw 9/);
  });

  it('content: a wrong, a missing, and an unasked-for prevKv', () => {
    const store = scenario();
    const responses = deliver(store, withPrevKv, 2, 8);
    const at = (r: number) => responses.find((x) => x.headerRevision === r)!;
    const a3 = at(7).events[0]!;
    at(7).events = [{ ...a3, prevKv: { ...a3.prevKv!, value: '1' } }];
    const { prevKv: _dropped, ...b5 } = at(5).events[0]!;
    at(5).events = [b5];
    at(2).events = [
      {
        ...at(2).events[0]!,
        prevKv: { key: 'a', value: '0', createRevision: 1, modRevision: 1, version: 1 },
      },
    ];
    const found = expectKinds(
      check(store, watcher('w', withPrevKv, segment(responses))),
      'content',
    );
    assert.deepEqual(
      found.map((v) => v.revision),
      [2, 5, 7],
    );
    assert.match(found[0]!.message, /prevKv: the key had no previous version/);
    assert.match(found[1]!.message, /prevKv missing: expected "b"="1"/);
    assert.match(found[2]!.message, /prevKv.value: committed "2", saw "1"/);

    const plain: WatchRequestSpec = { ...everything, startRevision: 2 };
    const unasked = deliver(store, withPrevKv, 2, 8);
    const sent = expectKinds(check(store, watcher('p', plain, segment(unasked))), 'content');
    assert.deepEqual(
      sent.map((v) => v.revision),
      [4, 5, 7],
    );
    assert.match(sent[0]!.message, /prevKv sent though the watch did not ask/);
  });

  it('content: an event that was never committed', () => {
    const store = scenario();
    const responses = deliver(store, withPrevKv, 2, 8);
    responses[1]!.events = [
      ...responses[1]!.events,
      { type: 'put', key: 'zz', value: '1', createRevision: 3, modRevision: 3, version: 1 },
    ];
    const v = only(check(store, watcher('w', withPrevKv, segment(responses))), 'content');
    assert.deepEqual([v.revision, v.key], [3, '"zz"']);
    assert.match(v.message, /never committed; revision 3 committed put "b"/);
  });

  it('unrequested: an event outside the range, a filtered one, one below the start', () => {
    const store = scenario();
    const prefix: WatchRequestSpec = {
      key: 'a',
      rangeEnd: 'c',
      startRevision: 4,
      filters: ['NODELETE'],
    };
    const responses = [
      response(3, store.eventsFor(everything, 3)),
      response(4, store.eventsFor(everything, 4)),
      response(5, store.eventsFor(everything, 5)),
      ...deliver(store, prefix, 6, 8),
    ];
    const found = expectKinds(
      check(store, watcher('w', prefix, segment(responses))),
      'unrequested',
    );
    assert.deepEqual(
      found.map((v) => [v.revision, v.key]),
      [
        [3, '"b"'],
        [4, '"c"'],
        [5, '"b"'],
      ],
    );
    assert.match(found[0]!.message, /below the segment's start revision 4/);
    assert.match(found[1]!.message, /outside the watch's range \["a", "c"\) without NODELETE/);
    assert.match(found[2]!.message, /delete "b"@5 should have been filtered/);
  });

  it('bookmark: a progress notification before an event at or below it', () => {
    const store = scenario();
    const responses = [
      ...deliver(store, withPrevKv, 2, 4),
      progress(5),
      ...deliver(store, withPrevKv, 5, 8),
    ];
    const v = only(check(store, watcher('w', withPrevKv, segment(responses))), 'bookmark');
    assert.deepEqual([v.revision, v.key, v.response], [5, '"b"', 3]);
    assert.match(v.message, /progress notification at 5 came before delete "b"@5 was delivered/);
  });

  it('bookmark: an event at or below a bookmark arriving after it (above the known history)', () => {
    const store = scenario();
    const history = store.history({ knownThrough: 6 });
    history.revisions = history.revisions.filter((r) => r.revision <= 6);
    const responses = [
      ...deliver(store, withPrevKv, 2, 6),
      progress(8),
      response(8, store.eventsFor(withPrevKv, 7)),
    ];
    const v = only(checkHistory(history, watcher('w', withPrevKv, segment(responses))), 'bookmark');
    assert.equal(v.revision, 7);
    assert.match(v.message, /arrived after a progress notification at 8/);
  });

  it('time-travel: a header going backwards, and an event above its header', () => {
    const store = scenario();
    const responses = [created(8), ...deliver(store, withPrevKv, 2, 8)]; // headers 2..7 are behind
    const found = expectKinds(
      check(store, watcher('w', withPrevKv, segment(responses))),
      'time-travel',
    );
    assert.equal(found.length, 6);
    assert.match(found[0]!.message, /header revision went back to 2 after 8 \(seg 0 resp 0\)/);

    const above = deliver(store, withPrevKv, 2, 8);
    above[2]!.headerRevision = 3; // revision 4's response
    const late = expectKinds(check(store, watcher('w', withPrevKv, segment(above))), 'time-travel');
    assert.deepEqual(
      late.map((v) => [v.revision, v.key]),
      [
        [4, '"a"'],
        [4, '"c"'],
      ],
    );
    assert.match(late[0]!.message, /put "a"@4 is above its response's header revision 3/);
  });

  it('time-travel: a resumed segment on a member behind the first', () => {
    const store = scenario();
    const seg0 = segment([created(1), ...deliver(store, withPrevKv, 2, 4)]);
    const seg1 = segment([created(3), ...deliver(store, withPrevKv, 5, 8)], 5);
    const v = only(check(store, watcher('w', withPrevKv, seg0, seg1)), 'time-travel');
    assert.deepEqual([v.segment, v.response, v.revision], [1, 0, 3]);
    assert.match(v.message, /went back to 3 after 4 \(seg 0 resp 3\)/);
  });

  it('resume with a gap: the skipped revisions are lost', () => {
    const store = scenario();
    const seg0 = segment(deliver(store, withPrevKv, 2, 4), undefined, 'disconnected');
    const seg1 = segment(deliver(store, withPrevKv, 6, 8), 6);
    const found = expectKinds(
      check(store, watcher('w', withPrevKv, seg0, seg1)),
      'resume',
      'reliable',
    );
    assert.match(
      found[0]!.message,
      /resumed at 6 but had only covered through revision 4; revisions 5..5 were skipped/,
    );
    const lost = found.find((v) => v.kind === 'reliable')!;
    assert.deepEqual([lost.revision, lost.key, lost.segment], [5, '"b"', 1]);
  });

  it('resume with an overlap: the revisions seen twice are duplicates', () => {
    const store = scenario();
    const seg0 = segment(deliver(store, withPrevKv, 2, 4), undefined, 'disconnected');
    const seg1 = segment(deliver(store, withPrevKv, 4, 8), 4);
    const found = expectKinds(
      check(store, watcher('w', withPrevKv, seg0, seg1)),
      'resume',
      'unique',
    );
    assert.match(
      found[0]!.message,
      /resumed at 4 but had already covered through revision 4; expected 5/,
    );
    assert.deepEqual(
      found.filter((v) => v.kind === 'unique').map((v) => [v.revision, v.key, v.segment]),
      [
        [4, '"a"', 1],
        [4, '"c"', 1],
      ],
    );
  });

  it('compaction: a cancel for a watcher that started at or above the compaction', () => {
    const store = scenario();
    const late: WatchRequestSpec = { ...withPrevKv, startRevision: 6 };
    const v = only(
      check(store, watcher('w', late, segment([created(8), compacted(8, 5)]))),
      'compaction',
    );
    assert.match(v.message, /started at 6, which compaction had not removed/);
    const ahead = segment([...deliver(store, withPrevKv, 2, 6), compacted(8, 5)]);
    const w = only(check(store, watcher('w', withPrevKv, ahead)), 'compaction');
    assert.match(w.message, /after it had delivered revision 6/);
  });
});

describe('input and report', () => {
  it('a malformed history throws HistoryError', () => {
    const bad: KvHistory = {
      revisions: [
        {
          revision: 2,
          events: [{ type: 'put', key: 'a', createRevision: 2, modRevision: 3, version: 1 }],
        },
      ],
    };
    assert.throws(() => checkWatches(bad, []), HistoryError);
    const store = scenario();
    const noStart = watcher('w', withPrevKv, segment([]), { responses: [] });
    assert.throws(() => check(store, noStart), /resumed segment 1 must give its startRevision/);
  });

  it('the report names every violation on one line, and non-text keys print as hex', () => {
    const history: KvHistory = {
      revisions: [
        {
          revision: 2,
          events: [
            {
              type: 'put',
              key: new Uint8Array([0xff, 0]),
              value: 'v',
              createRevision: 2,
              modRevision: 2,
              version: 1,
            },
          ],
        },
      ],
    };
    const w = watcher('bin', { ...everything, startRevision: 2 }, segment([progress(2)]));
    const result = checkHistory(history, w);
    const report = formatWatchReport(result);
    assert.match(report, /^watch check: 1 violations \(1 bookmark\) in 1 watchers/);
    assert.match(report, /\[bookmark\] watcher bin seg 0 resp 0 rev 2 key 0xff00: /);
    assert.match(formatWatchReport(check(scenario())), /^watch check: ok/);
  });

  it('keeps at most maxViolations and counts the rest', () => {
    const store = scenario();
    const result = checkWatches(
      store.history(),
      [watcher('w', withPrevKv, segment([progress(8)]))],
      {
        maxViolations: 2,
      },
    );
    assert.ok(!result.ok);
    assert.equal(result.violations.length, 2);
    assert.equal(result.omittedViolations, 6);
    assert.match(formatWatchReport(result), /… and 6 more not kept/);
  });
});

describe('randomized histories and observations', () => {
  it('correct observations pass; one mutation is caught and named', (t) => {
    const { seeds, base } = randomCaseSeeds();
    t.diagnostic(
      `watch validator random cases from seed ${base}; replay one: SEED=<seed> node test/run.mjs test/store/check/watch.test`,
    );
    for (const seed of seeds) runRandomCase(seed);
  });
});
