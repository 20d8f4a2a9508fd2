// What report.html must show: the verdicts, every fault window across the
// client rows, a row per client, and the witness of a violation (and no
// witness section when every check passed); nothing from the data may become
// markup; nothing is loaded from the network.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderHtml } from '../../../store/chaos/report/index.js';
import type { HistoryRecord, OpRecord } from '../../../store/chaos/types.js';
import { syntheticRun } from './synthetic-run.js';

function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  assert.ok(start >= 0, `section ${id} missing`);
  return html.slice(start, html.indexOf('</section>', start));
}

function count(s: string, needle: string): number {
  return s.split(needle).length - 1;
}

const voidElements = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);

/** Every opened element is closed, in order: a broken escape would show up as a stray tag. */
function assertBalanced(html: string): void {
  const stack: string[] = [];
  const body = html.replace(/<style>[\s\S]*?<\/style>/, '').replace(/^<!doctype html>/, '');
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(\/?)>/g)) {
    const [, close, name, selfClose] = m;
    if (selfClose === '/' || voidElements.has(name!)) continue;
    if (close === '/') assert.equal(stack.pop(), name, `unbalanced </${name}> at ${m.index}`);
    else stack.push(name!);
  }
  assert.deepEqual(stack, []);
}

test('a passing run shows every verdict with its stats, the counts and no witness section', () => {
  const { records, summary } = syntheticRun({
    ops: 400,
    clients: 5,
    durationMs: 20_000,
    faults: 3,
  });
  const html = renderHtml(records, summary);
  assertBalanced(html);
  assert.match(html, /<header class="banner pass"><h1>PASS/);
  const verdicts = section(html, 'verdicts');
  assert.equal(count(verdicts, '<tr class="verdict pass">'), 2);
  assert.match(verdicts, /linearizability/);
  assert.match(verdicts, /operations 400 · searchMs 12/);
  assert.match(section(html, 'run'), /<th>operations<\/th><td>400<\/td>/);
  assert.match(section(html, 'run'), /capstan chaos --replicas 3 --duration 20s/);
  assert.ok(!html.includes('id="witness"'));
});

test('the timeline has a row per client and a shaded, labelled window per fault', () => {
  const { records, summary } = syntheticRun({
    ops: 400,
    clients: 5,
    durationMs: 20_000,
    faults: 3,
  });
  const timeline = section(renderHtml(records, summary), 'timeline');
  assert.equal(count(timeline, 'class="client-row"'), 5);
  for (let c = 0; c < 5; c++) assert.ok(timeline.includes(`data-client="${c}"`));
  assert.equal(count(timeline, 'class="fault-window'), 3);
  assert.equal(count(timeline, 'class="fault-label"'), 3);
  assert.match(timeline, /kill-leader m1: fault 0/);
  assert.equal(count(timeline, '<rect class="op '), 400);
  assert.match(timeline, /<title>#\d+ client \d: (get|put)\(k\d/);
});

test('a client with operations beyond config.clients still gets its row', () => {
  const { records, summary } = syntheticRun({ ops: 20, clients: 2, durationMs: 5_000, faults: 0 });
  const setup: OpRecord = {
    type: 'op',
    id: 99,
    client: 7,
    workload: 'register',
    input: { f: 'put', key: 'k0', value: 'init' },
    invokeMs: 0,
    completeMs: 3,
    outcome: 'ok',
  };
  const timeline = section(renderHtml([...records, setup], summary), 'timeline');
  assert.equal(count(timeline, 'class="client-row"'), 3);
  assert.ok(timeline.includes('data-client="7"'));
});

test('a failing verdict draws its witness operations, their labels and the explanation', () => {
  const { records, summary } = syntheticRun({
    ops: 400,
    clients: 5,
    durationMs: 20_000,
    faults: 3,
    witness: [10, 11, 12, 13, 1_000_000],
  });
  const html = renderHtml(records, summary);
  assertBalanced(html);
  assert.match(html, /<header class="banner fail"><h1>FAIL/);
  assert.equal(count(section(html, 'verdicts'), '<tr class="verdict fail">'), 1);
  const witness = section(html, 'witness');
  assert.match(witness, /get\(k1\) returned v3, but v4 was written before it began\./);
  for (const id of [10, 11, 12, 13]) {
    assert.ok(witness.includes(`data-op="${id}"`), `op ${id} drawn`);
    assert.ok(witness.includes(`<td>#${id}</td>`), `op ${id} listed`);
  }
  assert.equal(count(witness, 'class="witness-op"'), 4);
  assert.match(witness, /1 witness ids are not operations of this history: 1000000/);
  assert.match(witness, /class="op-label"[^>]*>#10 (get|put)\(k\d/);
  assert.equal([...section(html, 'timeline').matchAll(/class="op \w+ witness"/g)].length, 4);
});

test('an unknown witness operation gets a dashed tail: it may take effect any time later', () => {
  const op = (id: number, client: number, outcome: OpRecord['outcome'], t: number): OpRecord => ({
    type: 'op',
    id,
    client,
    workload: 'register',
    input: { f: 'put', key: 'x', value: `v${id}` },
    invokeMs: t,
    completeMs: outcome === 'pending' ? undefined : t + 10,
    outcome,
  });
  const records: HistoryRecord[] = [
    op(0, 0, 'unknown', 0),
    op(1, 1, 'ok', 20),
    op(2, 2, 'pending', 25),
  ];
  const { summary } = syntheticRun({
    ops: 0,
    clients: 3,
    durationMs: 100,
    faults: 0,
    witness: [0, 1, 2],
  });
  const witness = section(renderHtml(records, summary), 'witness');
  assert.equal(count(witness, 'class="maybe"'), 1);
  assert.equal(count(witness, 'class="witness-op"'), 3);
});

test('strings from the data are escaped everywhere, and the page loads nothing', () => {
  const evil = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>&amp;`;
  const { records, summary } = syntheticRun({
    ops: 50,
    clients: 2,
    durationMs: 5_000,
    faults: 1,
    witness: [0, 1],
  });
  for (const r of records) {
    if (r.type === 'op') {
      r.input = { f: evil, key: evil, value: evil };
      r.output = { value: evil };
      r.error = evil;
      r.member = evil;
    } else if (r.type === 'fault') {
      r.targets = [evil];
      r.detail = evil;
    } else if (r.type === 'leader' && r.leader !== undefined) {
      r.leader = evil;
    }
  }
  summary.startedAt = evil;
  summary.verdicts[0]!.check = evil;
  summary.verdicts[0]!.explanation = evil;
  summary.verdicts[0]!.stats = { [evil]: 1 };
  const html = renderHtml(records, summary);
  assertBalanced(html);
  assert.ok(!/<script|<img|onerror=alert\(2\)>/i.test(html), 'no markup from data');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(html.includes('&amp;amp;'));
  for (const [tag] of html.matchAll(/<[a-zA-Z][^>]*>/g)) {
    assert.ok(!/\s(src|href|on\w+)=/i.test(tag), `nothing to load or run: ${tag}`);
  }
  assert.ok(!html.includes('<script'), 'no script');
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
});

test('an empty run still renders: no operations, faults, leaders or verdicts', () => {
  const { summary } = syntheticRun({ ops: 0, clients: 0, durationMs: 0, faults: 0 });
  summary.verdicts = [];
  const html = renderHtml([], summary);
  assertBalanced(html);
  assert.match(html, /No checks ran\./);
  assert.match(html, /No leader samples were recorded\./);
  assert.match(html, /No faults were applied\./);
});

test('rendering is pure: the same input gives the same page', () => {
  const { records, summary } = syntheticRun({
    ops: 300,
    clients: 3,
    durationMs: 8_000,
    faults: 2,
    witness: [5],
  });
  assert.equal(renderHtml(records, summary), renderHtml(records, summary));
});
