// The nemesis schedule (store/chaos/schedule.ts) is a pure function of the
// seed, deals every selected nemesis before repeating one, and heals each
// fault before the load phase ends; the ring partition gives every member a
// different majority; the command's flags expand and refuse as documented.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  configFromFlags,
  expandNemeses,
  nemesisFamilies,
  parseDurationMs,
  replayCommand,
} from '../../store/chaos/config.js';
import { ringLinks } from '../../store/chaos/faults.js';
import { planSchedule } from '../../store/chaos/schedule.js';
import { nemesisKinds } from '../../store/chaos/types.js';

const base = {
  nemeses: [...nemesisKinds],
  durationMs: 120_000,
  faultIntervalMs: 5_000,
  faultDurationMs: 2_000,
};

test('the same seed gives the same schedule; another seed another one', () => {
  const a = planSchedule({ ...base, seed: 42 });
  const b = planSchedule({ ...base, seed: 42 });
  const c = planSchedule({ ...base, seed: 43 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(
    a.map((f) => f.kind),
    c.map((f) => f.kind),
  );
});

test('every nemesis runs once before any runs twice, one fault per interval, all healed in time', () => {
  const s = planSchedule({ ...base, seed: 7 });
  assert.equal(s.length, 23); // 5 s, 10 s, …, 115 s (+2 s of fault ≤ 120 s)
  const firstRound = s.slice(0, nemesisKinds.length).map((f) => f.kind);
  assert.deepEqual([...firstRound].sort(), [...nemesisKinds].sort());
  s.forEach((f, i) => {
    assert.equal(f.index, i);
    assert.equal(f.atMs, (i + 1) * base.faultIntervalMs);
    assert.ok(f.atMs + base.faultDurationMs <= base.durationMs);
  });
  assert.equal(new Set(s.map((f) => f.seed)).size, s.length, 'each fault draws from its own seed');
});

test('no nemesis, or a run shorter than one interval, has no faults', () => {
  assert.deepEqual(planSchedule({ ...base, seed: 1, nemeses: [] }), []);
  assert.deepEqual(planSchedule({ ...base, seed: 1, durationMs: 6_000 }), []);
});

test('a ring of overlapping majorities: each member hears a majority, no two the same one', () => {
  for (const ring of [
    ['m1', 'm2', 'm3'],
    ['m3', 'm1', 'm5', 'm2', 'm4'],
  ]) {
    const { blocked, hears } = ringLinks(ring);
    const majorities = new Set<string>();
    for (const to of ring) {
      const heard = hears.get(to)!;
      assert.equal(
        heard.length + 1,
        Math.floor(ring.length / 2) + 1,
        'itself plus ⌊n/2⌋ is a majority',
      );
      majorities.add([to, ...heard].sort().join(','));
      for (const from of ring) {
        if (from === to) continue;
        const isBlocked = blocked.some(([f, t]) => f === from && t === to);
        assert.equal(isBlocked, !heard.includes(from), `${from}->${to}`);
      }
    }
    assert.equal(majorities.size, ring.length);
  }
});

test('nemesis families expand, unknown names and bad flags are refused with the flag named', () => {
  assert.deepEqual(expandNemeses('pause'), ['pause-leader', 'pause-random']);
  assert.deepEqual(expandNemeses('kill-leader,kill,kill-leader'), [
    'kill-leader',
    'kill-random',
    'kill-majority',
  ]);
  const covered = new Set(
    Object.entries(nemesisFamilies)
      .filter(([f]) => f !== 'all')
      .flatMap(([, k]) => k),
  );
  assert.deepEqual([...covered].sort(), [...nemesisKinds].sort(), 'every nemesis is in a family');
  assert.throws(() => expandNemeses('partition,explode'), /unknown nemesis "explode"/);
  assert.equal(parseDurationMs('duration', '90s'), 90_000);
  assert.equal(parseDurationMs('duration', '2m'), 120_000);
  assert.equal(parseDurationMs('duration', '1500ms'), 1_500);
  assert.throws(() => parseDurationMs('duration', 'soon'), /--duration: "soon" is not a duration/);
  assert.throws(() => configFromFlags({ replicas: '4' }), /--replicas must be 3 or 5/);
  assert.throws(() => configFromFlags({ workload: 'queue' }), /--workload must be one of/);
  assert.throws(() => configFromFlags({ clients: '0' }), /--clients must be an integer/);
  assert.throws(
    () => configFromFlags({ 'fault-interval': '2s', 'fault-duration': '3s' }),
    /--fault-duration .* must be shorter than --fault-interval/,
  );
});

test('attaching to --endpoints runs no nemesis, and refuses one that needs processes', () => {
  const c = configFromFlags({ endpoints: '127.0.0.1:2379,127.0.0.1:22379' });
  assert.deepEqual(c.nemeses, []);
  assert.deepEqual(c.endpoints, ['127.0.0.1:2379', '127.0.0.1:22379']);
  assert.throws(
    () => configFromFlags({ endpoints: '127.0.0.1:2379', nemesis: 'kill-leader' }),
    /with --endpoints the run cannot kill, pause, restart or partition/,
  );
  assert.deepEqual(configFromFlags({ endpoints: '127.0.0.1:2379', nemesis: 'none' }).nemeses, []);
});

test('the replay command gives back the same configuration', () => {
  const c = configFromFlags({
    replicas: '5',
    duration: '90s',
    nemesis: 'pause,crash-point',
    workload: 'bank',
    clients: '7',
    rate: '300',
    seed: '99',
    'fault-interval': '4s',
    'fault-duration': '1500ms',
    recovery: '2s',
    'heartbeat-interval': '50',
    'election-timeout': '500',
  });
  const words = replayCommand(c).split(' ').slice(2);
  const flags: Record<string, string> = {};
  for (let i = 0; i < words.length; i += 2) flags[words[i]!.replace(/^--/, '')] = words[i + 1]!;
  assert.deepEqual(configFromFlags(flags), c);
});
