// The Watch service over real gRPC against one in-process replica: every
// create option, ids, cancel, progress, fragments, compaction, and requests
// that must not hurt the server. Expected answers are etcd 3.4.23's (probed
// with the same requests against a real etcd).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { b, eventText, startSingle, WatchStream, type Resp, type Single } from './fixture.js';

let s: Single;
before(async () => {
  s = await startSingle({ 'max-request-bytes': '4096' });
});
after(() => s?.close());

async function rev(): Promise<number> {
  const r = await s.kv.range({ key: b('__ready') });
  return Number(r.header?.revision);
}

async function put(key: string, value: string): Promise<number> {
  const r = await s.kv.put({ key: b(key), value: b(value) });
  return Number(r.header?.revision);
}

const events = (rs: Resp[], id: string): string[] =>
  rs.filter((r) => r.watch_id === id).flatMap((r) => r.events.map(eventText));

describe('create', () => {
  test('created carries the current revision and every header names the member, cluster and term', async () => {
    const ws = new WatchStream(s.endpoint);
    try {
      const now = await rev();
      ws.create({ key: b('c1') });
      const [created] = await ws.count(1);
      assert.equal(created!.created, true);
      assert.equal(created!.watch_id, '0');
      assert.equal(created!.header?.revision, String(now));
      assert.equal(created!.header?.member_id, s.replica.memberId.toString());
      assert.equal(created!.header?.cluster_id, s.replica.clusterId.toString());
      assert.notEqual(created!.header?.raft_term, '0');
      const r = await put('c1', 'x');
      const rs = await ws.count(2);
      assert.deepEqual(rs[1]!.events.map(eventText), [`put c1=x@${r}`]);
      assert.equal(rs[1]!.header?.revision, String(r));
    } finally {
      ws.close();
    }
  });

  test('a single key, a prefix (range_end) and every key from a key on ("\\0")', async () => {
    const ws = new WatchStream(s.endpoint);
    try {
      ws.create({ key: b('r/b') });
      ws.create({ key: b('r/'), range_end: b('r0') });
      ws.create({ key: b('r/b'), range_end: b('\0') });
      await ws.count(3);
      const r1 = await put('r/a', '1');
      const r2 = await put('r/b', '2');
      const r3 = await put('s', '3');
      await ws.until(
        (rs) => events(rs, '2').length === 2 && events(rs, '1').length === 2,
        'events',
      );
      assert.deepEqual(events(ws.responses, '0'), [`put r/b=2@${r2}`]);
      assert.deepEqual(events(ws.responses, '1'), [`put r/a=1@${r1}`, `put r/b=2@${r2}`]);
      assert.deepEqual(events(ws.responses, '2'), [`put r/b=2@${r2}`, `put s=3@${r3}`]);
    } finally {
      ws.close();
    }
  });

  test('start_revision replays history; prev_kv and the NOPUT/NODELETE filters', async () => {
    const r1 = await put('h/k', '1');
    const r2 = await put('h/k', '2');
    const r3 = Number((await s.kv.deleteRange({ key: b('h/k') })).header?.revision);
    const ws = new WatchStream(s.endpoint);
    try {
      ws.create({ key: b('h/k'), start_revision: r1 });
      ws.create({ key: b('h/k'), start_revision: r1, prev_kv: true });
      ws.create({ key: b('h/k'), start_revision: r1, filters: [0] }); // NOPUT
      ws.create({ key: b('h/k'), start_revision: r1, filters: [1] }); // NODELETE
      await ws.until(
        (rs) => ['0', '1', '2', '3'].every((id) => events(rs, id).length > 0),
        'history',
      );
      assert.deepEqual(events(ws.responses, '0'), [
        `put h/k=1@${r1}`,
        `put h/k=2@${r2}`,
        `delete h/k@${r3}`,
      ]);
      assert.deepEqual(events(ws.responses, '1'), [
        `put h/k=1@${r1}`,
        `put h/k=2@${r2} prev=1@${r1}`,
        `delete h/k@${r3} prev=2@${r2}`,
      ]);
      assert.deepEqual(events(ws.responses, '2'), [`delete h/k@${r3}`]);
      assert.deepEqual(events(ws.responses, '3'), [`put h/k=1@${r1}`, `put h/k=2@${r2}`]);
    } finally {
      ws.close();
    }
  });

  test('a txn over several keys arrives in one response', async () => {
    const ws = new WatchStream(s.endpoint);
    try {
      ws.create({ key: b('t/'), range_end: b('t0') });
      await ws.count(1);
      const r = await s.kv.txn({
        success: ['t/a', 't/b', 't/c'].map((k) => ({ request_put: { key: b(k), value: b('v') } })),
      });
      const n = Number(r.header?.revision);
      const rs = await ws.count(2);
      assert.deepEqual(rs[1]!.events.map(eventText), [
        `put t/a=v@${n}`,
        `put t/b=v@${n}`,
        `put t/c=v@${n}`,
      ]);
    } finally {
      ws.close();
    }
  });
});

describe('ids, cancel and progress', () => {
  test('ids: allocated from 0, skipping ids in use; chosen by the client; a duplicate is refused as etcd does', async () => {
    const ws = new WatchStream(s.endpoint);
    try {
      ws.create({ key: b('i'), watch_id: 1 });
      ws.create({ key: b('i') });
      ws.create({ key: b('i') });
      ws.create({ key: b('i'), watch_id: 1 });
      ws.create({ key: b('i'), watch_id: -7 });
      ws.create({ key: b('b'), range_end: b('a') });
      const rs = await ws.count(6);
      assert.deepEqual(
        rs.map((r) => [r.watch_id, r.created, r.canceled, r.cancel_reason]),
        [
          ['1', true, false, ''],
          ['0', true, false, ''],
          ['2', true, false, ''],
          ['-1', true, true, 'mvcc: duplicate watch ID provided on the WatchStream'],
          ['-7', true, false, ''],
          ['-1', true, true, 'mvcc: watcher range is empty'],
        ],
      );
    } finally {
      ws.close();
    }
  });

  test('cancel: canceled, then nothing more; an unknown id gets no answer; a progress request gets watch_id -1 at the current revision', async () => {
    const ws = new WatchStream(s.endpoint);
    try {
      ws.create({ key: b('x') });
      await ws.count(1);
      ws.send({ cancel_request: { watch_id: 0 } });
      ws.send({ cancel_request: { watch_id: 42 } });
      const now = await put('x', '1');
      ws.send({ progress_request: {} });
      const rs = await ws.count(3);
      assert.deepEqual(
        rs.slice(1).map((r) => [r.watch_id, r.canceled, r.created]),
        [
          ['0', true, false],
          ['-1', false, false],
        ],
      );
      assert.equal(rs[2]!.header?.revision, String(now));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(ws.responses.length, 3, 'nothing for the canceled watcher');
    } finally {
      ws.close();
    }
  });

  test('a compacted start revision: created, then canceled with compact_revision', async () => {
    const r1 = await put('cp', '1');
    await put('cp', '2');
    const r3 = await put('cp', '3');
    await s.kv.compact({ revision: r3 });
    const ws = new WatchStream(s.endpoint);
    try {
      ws.create({ key: b('cp'), start_revision: r1 });
      ws.create({ key: b('cp'), start_revision: r3 });
      await ws.until(
        (rs) => rs.some((r) => r.compact_revision !== '0') && events(rs, '1').length > 0,
        'cancel',
      );
      const mine = ws.responses.filter((r) => r.watch_id === '0');
      assert.deepEqual(
        mine.map((r) => [r.created, r.canceled, r.compact_revision]),
        [
          [true, false, '0'],
          [false, true, String(r3)],
        ],
      );
      assert.deepEqual(
        events(ws.responses, '1'),
        [`put cp=3@${r3}`],
        'at the compacted revision: served',
      );
    } finally {
      ws.close();
    }
  });

  test('closing the client side ends nothing: events keep coming', async () => {
    const ws = new WatchStream(s.endpoint);
    try {
      ws.create({ key: b('hc') });
      await ws.count(1);
      (ws as unknown as { call: { end(): void } }).call.end();
      const r = await put('hc', '1');
      const rs = await ws.count(2);
      assert.deepEqual(rs[1]!.events.map(eventText), [`put hc=1@${r}`]);
    } finally {
      ws.close();
    }
  });
});

describe('fragment', () => {
  test('a revision larger than the limit comes in fragments to a watcher that asked, whole to one that did not', async () => {
    const ws = new WatchStream(s.endpoint);
    try {
      // prev_kv makes each delete event carry its 3,000-byte value: 200 of them in one
      // revision exceed the limit (max-request-bytes 4096 + etcd's 512 KiB gRPC overhead).
      ws.create({ key: b('f/'), range_end: b('f0'), prev_kv: true, fragment: true });
      ws.create({ key: b('f/'), range_end: b('f0'), prev_kv: true });
      await ws.count(2);
      const value = 'v'.repeat(3000);
      for (let i = 0; i < 200; i++) await put(`f/${String(i).padStart(3, '0')}`, value);
      const del = await s.kv.deleteRange({ key: b('f/'), range_end: b('f0') });
      const n = Number(del.header?.revision);
      const ofDelete = (r: Resp) => r.events.some((e) => Number(e.kv?.mod_revision) === n);
      await ws.until(
        (rs) =>
          rs.some((r) => r.watch_id === '1' && ofDelete(r)) &&
          rs.some((r) => r.watch_id === '0' && ofDelete(r) && !r.fragment),
        'the delete, whole and in fragments',
        10_000,
      );
      const frags = ws.responses.filter((r) => r.watch_id === '0' && ofDelete(r));
      const whole = ws.responses.filter((r) => r.watch_id === '1' && ofDelete(r));
      assert.equal(whole.length, 1);
      assert.equal(whole[0]!.fragment, false);
      assert.equal(whole[0]!.events.length, 200);
      assert.ok(frags.length >= 2, `${frags.length} fragments`);
      assert.deepEqual(
        frags.map((r) => r.fragment),
        frags.map((_, i) => i < frags.length - 1),
        'fragment=true on all but the last',
      );
      assert.deepEqual(
        frags.flatMap((r) => r.events.map(eventText)),
        whole[0]!.events.map(eventText),
      );
      for (const f of frags) assert.equal(f.header?.revision, whole[0]!.header?.revision);
    } finally {
      ws.close();
    }
  });
});
