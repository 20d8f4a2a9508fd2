// The watch workload's verdicts: the validator over the watchers'
// observations (a duplicated or missing event is found) and every
// acknowledged write in the committed history, with no failed write in it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KvHistory, WatchEvent, WatcherObservation } from '../../../store/check/index.js';
import { checkWatchLostWrites, checkWatchVerdict } from '../../../store/chaos/checks/index.js';
import { History } from './history.js';

const put = (
  key: string,
  value: string,
  revision: number,
  version = 1,
  created = revision,
): WatchEvent => ({
  type: 'put',
  key,
  value,
  createRevision: created,
  modRevision: revision,
  version,
});

/** Revisions 5..7: put w/a, put w/b, put w/a again. */
const kv: KvHistory = {
  revisions: [
    { revision: 5, events: [put('w/a', '1.0', 5)] },
    { revision: 6, events: [put('w/b', '2.0', 6)] },
    { revision: 7, events: [put('w/a', '1.1', 7, 2, 5)] },
  ],
  knownFrom: 5,
  knownThrough: 7,
};

function watcher(events: WatchEvent[][]): WatcherObservation {
  return {
    id: 'w0',
    request: { key: 'w/', rangeEnd: 'w0', startRevision: 5 },
    segments: [
      {
        startRevision: 5,
        responses: [
          { headerRevision: 4, events: [], created: true },
          ...events.map((e) => ({ headerRevision: 7, events: e })),
        ],
      },
    ],
    requireThrough: 7,
  };
}

describe('watch verdict', () => {
  it('passes a watcher that saw every event once, in order', () => {
    const v = checkWatchVerdict(kv, [watcher([kv.revisions.flatMap((r) => r.events)])]);
    assert.equal(v.ok, true, v.explanation);
    assert.equal(v.stats?.['observedEvents'], 3);
  });

  it('finds a duplicated watch event', () => {
    const [a, b, c] = kv.revisions.map((r) => r.events[0]!);
    const v = checkWatchVerdict(kv, [
      watcher([
        [a!, b!],
        [b!, c!],
      ]),
    ]);
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /\[unique\]/);
  });

  it('finds a missing event the watcher was required to deliver', () => {
    const [a, , c] = kv.revisions.map((r) => r.events[0]!);
    const v = checkWatchVerdict(kv, [watcher([[a!, c!]])]);
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /\[reliable\]/);
  });

  it('reports what the workload noticed itself, such as a watcher that ended early', () => {
    const v = checkWatchVerdict(kv, [], ['watcher w3 ended early: CompactedError']);
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /w3 ended early/);
  });
});

describe('lost-writes verdict (watch)', () => {
  const h = (): History => {
    const x = new History('watch');
    x.add({
      client: 1,
      input: { f: 'put', key: 'w/a', value: '1.0' },
      at: [0, 10],
      output: {},
      revision: 5,
    });
    x.add({
      client: 2,
      input: { f: 'txn', ops: [{ f: 'put', key: 'w/b', value: '2.0' }] },
      at: [5, 15],
      output: {},
      revision: 6,
    });
    x.add({
      client: 1,
      input: { f: 'put', key: 'w/a', value: '1.1' },
      at: [20, undefined],
      outcome: 'unknown',
    });
    return x;
  };

  it('passes when every acknowledged write is in the history at its revision', () => {
    const v = checkWatchLostWrites(h().records, kv, 'w/');
    assert.equal(v.ok, true, v.explanation);
    assert.equal(v.stats?.['acknowledgedWrites'], 2);
  });

  it('asks no revision of a delete that found nothing (etcd answers with the current one)', () => {
    const x = h();
    x.add({
      client: 3,
      input: { f: 'delete', key: 'w/zz' },
      at: [1, 2],
      output: { deleted: 0 },
      revision: 1,
    });
    const v = checkWatchLostWrites(x.records, { ...kv, knownFrom: 5 }, 'w/');
    assert.equal(v.ok, true, v.explanation);
  });

  it('finds an acknowledged put the history does not hold', () => {
    const x = h();
    x.add({
      client: 3,
      input: { f: 'put', key: 'w/c', value: '3.0' },
      at: [30, 40],
      output: {},
      revision: 7,
    });
    const v = checkWatchLostWrites(x.records, kv, 'w/');
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /no put of '3.0' to w\/c at 7/);
  });

  it('finds a committed value whose write was recorded as failed', () => {
    const x = new History('watch');
    x.add({
      client: 1,
      input: { f: 'put', key: 'w/a', value: '1.0' },
      at: [0, 10],
      outcome: 'fail',
    });
    const v = checkWatchLostWrites(
      x.records,
      { revisions: [kv.revisions[0]!], knownFrom: 5 },
      'w/',
    );
    assert.equal(v.ok, false);
    assert.match(v.explanation!, /failed/);
  });
});
