// The typed client's Watch against a three-member cluster: events in
// order with their options, many watchers on one stream, resume on another
// member with no gap and no duplicate when the member under a watch is
// killed, compaction, progress, cancel and close.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ClientClosedError,
  CompactedError,
  type Watcher,
  type WatchResponse,
} from '../../../store/client/index.js';
import {
  skipReason,
  startTarget,
  str,
  waitFor,
  type ClientTarget,
  type TargetKind,
  clientTestTarget,
} from './fixtures.js';

const target: TargetKind = clientTestTarget();

/** Collects a watcher's responses in the background. */
function collect(w: Watcher): { responses: WatchResponse[]; ended: Promise<unknown> } {
  const responses: WatchResponse[] = [];
  const ended = (async () => {
    try {
      for await (const r of w) responses.push(r);
      return undefined;
    } catch (e) {
      return e;
    }
  })();
  return { responses, ended };
}

const events = (rs: WatchResponse[]) => rs.flatMap((r) => r.events);

/** etcd's own gauge of a metric on one member (real etcd only). */
async function etcdMetric(endpoint: string, name: string): Promise<number> {
  const text = await (await fetch(`http://${endpoint}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

describe(`watch against ${target}`, { skip: skipReason(target) }, () => {
  let t: ClientTarget;
  before(async () => {
    t = await startTarget(target, { members: 3 });
  });
  after(() => t?.close());

  test('events arrive in order, with prevKv, filters and history from a start revision', async () => {
    const c = t.client();
    const all = c.watch({ key: 'ev/', prefix: true, prevKv: true });
    const onlyDeletes = c.watch({ key: 'ev/', prefix: true, noPut: true });
    const onlyPuts = c.watch({ key: 'ev/a', noDelete: true });
    await Promise.all([all.ready, onlyDeletes.ready, onlyPuts.ready]);
    const seen = [collect(all), collect(onlyDeletes), collect(onlyPuts)];
    const first = await c.put('ev/a', '1');
    await c.put('ev/a', '2');
    await c.put('ev/b', '3');
    await c.delete('ev/a');
    await waitFor('four events', () => (events(seen[0]!.responses).length >= 4 ? true : undefined));
    const evs = events(seen[0]!.responses);
    assert.deepEqual(
      evs.map((e) => [e.type, str(e.kv.key), str(e.kv.value), str(e.prevKv?.value)]),
      [
        ['put', 'ev/a', '1', undefined],
        ['put', 'ev/a', '2', '1'],
        ['put', 'ev/b', '3', undefined],
        ['delete', 'ev/a', '', '2'],
      ],
    );
    assert.equal(evs[0]!.kv.modRevision, first.header.revision);
    await waitFor('the filtered watchers', () =>
      events(seen[1]!.responses).length === 1 && events(seen[2]!.responses).length === 2
        ? true
        : undefined,
    );
    assert.deepEqual(
      events(seen[1]!.responses).map((e) => e.type),
      ['delete'],
    );
    assert.deepEqual(
      events(seen[2]!.responses).map((e) => str(e.kv.value)),
      ['1', '2'],
    );
    assert.equal(all.lastRevision, evs[3]!.kv.modRevision);

    const history = c.watch({ key: 'ev/', prefix: true, startRevision: first.header.revision });
    const h = collect(history);
    await waitFor('history', () => (events(h.responses).length === 4 ? true : undefined));
    for (const w of [all, onlyDeletes, onlyPuts, history]) await w.cancel();
    await Promise.all([...seen, h].map((s) => s.ended));
  });

  // Counted with etcd's own gauges on its client port; capstan has no such metrics there.
  const etcdMetrics = target === 'etcd' ? false : "needs etcd's watch stream metrics";
  test('many watchers share one stream per member', { skip: etcdMetrics }, async () => {
    const c = t.client({ names: ['m1'] });
    const ep = t.endpoint('m1');
    const streams0 = await etcdMetric(ep, 'etcd_debugging_mvcc_watch_stream_total');
    const watchers0 = await etcdMetric(ep, 'etcd_debugging_mvcc_watcher_total');
    const ws = Array.from({ length: 20 }, (_, i) => c.watch({ key: `many/${i}` }));
    await Promise.all(ws.map((w) => w.ready));
    assert.equal(await etcdMetric(ep, 'etcd_debugging_mvcc_watch_stream_total'), streams0 + 1);
    assert.equal(await etcdMetric(ep, 'etcd_debugging_mvcc_watcher_total'), watchers0 + 20);
    const put = await c.put('many/7', 'x');
    const r = await ws[7]!.next();
    assert.equal(r.done, false);
    assert.equal(r.value?.events[0]?.kv.modRevision, put.header.revision);
    for (const w of ws) await w.cancel();
    await waitFor('the server-side watchers to go', async () =>
      (await etcdMetric(ep, 'etcd_debugging_mvcc_watcher_total')) === watchers0 ? true : undefined,
    );
    // With no watcher left the stream is closed too.
    await waitFor('the stream to close', async () =>
      (await etcdMetric(ep, 'etcd_debugging_mvcc_watch_stream_total')) === streams0
        ? true
        : undefined,
    );
  });

  test('a compacted start revision ends the watcher with CompactedError and the compact revision', async () => {
    const c = t.client();
    const r1 = await c.put('cmp/k', '1');
    await c.put('cmp/k', '2');
    const r3 = await c.put('cmp/k', '3');
    await c.compact(r3.header.revision);
    const w = c.watch({ key: 'cmp/k', startRevision: r1.header.revision });
    const { responses, ended } = collect(w);
    const err = await ended;
    assert.ok(err instanceof CompactedError, String(err));
    assert.equal(err.compactRevision, r3.header.revision);
    assert.deepEqual(responses, []);
    assert.equal(w.done, true);
  });

  test('requestProgress answers with the current revision', async () => {
    const c = t.client();
    const w = c.watch({ key: 'progress/none' });
    await w.ready;
    const put = await c.put('progress/other', 'x');
    w.requestProgress();
    const r = await w.next();
    assert.equal(r.value?.progress, true);
    assert.ok(r.value!.revision >= put.header.revision);
    await w.cancel();
    assert.equal((await w.next()).done, true);
  });

  test('close() ends every watcher with ClientClosedError', async () => {
    const c = t.client();
    const w = c.watch({ key: 'closing' });
    await w.ready;
    const { ended } = collect(w);
    c.close();
    assert.ok((await ended) instanceof ClientClosedError);
  });

  // Last: it kills a member.
  test('the member under the watch is killed: watchers resume on another member with no gap and no duplicate', async (ctx) => {
    // The victim is a follower, so writes go on undisturbed while the
    // watchers move: this tests the watch, not leader election.
    const probe = t.client();
    const statuses = await Promise.all(
      t.names().map((n) => probe.status({ endpoint: t.endpoint(n) })),
    );
    const victim = t.names().find((_, i) => statuses[i]!.leader !== statuses[i]!.header.memberId)!;
    const others = t.names().filter((n) => n !== victim);
    const watching = t.client({ names: [victim, ...others] });
    const writer = t.client({ names: others });
    const prefixWatch = watching.watch({ key: 'seq/', prefix: true });
    const keyWatch = watching.watch({ key: 'seq/00010', prevKv: true });
    const fromNow = [collect(prefixWatch), collect(keyWatch)];
    await Promise.all([prefixWatch.ready, keyWatch.ready]);
    assert.equal(prefixWatch.endpoint, t.endpoint(victim));
    const resumed: string[] = [];
    prefixWatch.on('resumed', (info: { endpoint: string }) => resumed.push(info.endpoint));

    const writes = 60;
    const killAt = 20;
    for (let i = 0; i < writes; i++) {
      if (i === killAt) await t.kill(victim);
      const key = `seq/${String(i % 30).padStart(5, '0')}`; // keys repeat: versions 1 and 2
      await writer.put(key, String(i));
    }
    const stored = await writer.get('seq/', { prefix: true });
    const lastRevision = stored.header.revision;
    await waitFor('the prefix watcher to catch up', () =>
      prefixWatch.lastRevision >= lastRevision ? true : undefined,
    );
    const seen = events(fromNow[0]!.responses);
    ctx.diagnostic(`resumed on ${resumed.join(', ')}; ${seen.length} events`);
    assert.equal(resumed.length, 1);
    assert.notEqual(resumed[0], t.endpoint(victim));
    // Exactly the writes, in order: values 0..59, strictly increasing revisions.
    assert.deepEqual(
      seen.map((e) => str(e.kv.value)),
      Array.from({ length: writes }, (_, i) => String(i)),
    );
    for (let i = 1; i < seen.length; i++)
      assert.ok(seen[i]!.kv.modRevision > seen[i - 1]!.kv.modRevision);
    await waitFor('the key watcher to catch up', () =>
      events(fromNow[1]!.responses).length === 2 ? true : undefined,
    );
    assert.deepEqual(
      events(fromNow[1]!.responses).map((e) => [str(e.kv.value), str(e.prevKv?.value)]),
      [
        ['10', undefined],
        ['40', '10'],
      ],
    );
    await prefixWatch.cancel();
    await keyWatch.cancel();
  });
});
