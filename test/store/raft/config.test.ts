// validateConfig: every limit of the core is checked once, at construction,
// and a bad one is refused with a message naming it.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  MemoryStorage,
  RaftConfigError,
  raftConfigDefaults,
  RawNode,
  SeededRandom,
  validateConfig,
  type RaftConfigInput,
} from '../../../store/raft/index.js';

function base(): RaftConfigInput {
  return { id: 1n, storage: new MemoryStorage(), random: new SeededRandom(1) };
}

function refused(input: Partial<RaftConfigInput>, message: RegExp): void {
  assert.throws(
    () => validateConfig({ ...base(), ...input }),
    (e) => e instanceof RaftConfigError && message.test(e.message),
    `${JSON.stringify(input, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))} should be refused with ${message}`,
  );
}

test('validateConfig fills every default', () => {
  const cfg = validateConfig(base());
  for (const [k, v] of Object.entries(raftConfigDefaults)) {
    if (k === 'unsafe') continue;
    assert.equal(cfg[k as keyof typeof cfg], v, k);
  }
  assert.deepEqual(cfg.unsafe, {});
  assert.equal(cfg.preVote, true);
  assert.equal(cfg.checkQuorum, true);
});

const positiveLimits = [
  'electionTimeoutTicks',
  'heartbeatIntervalTicks',
  'maxMessageBytes',
  'maxCommittedBytesPerReady',
  'maxUncommittedEntriesBytes',
  'maxInflightMessages',
  'maxInflightBytes',
] as const;

test('validateConfig refuses a limit that is not a positive safe integer (no "0 means unlimited")', () => {
  for (const field of positiveLimits) {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      refused(
        { [field]: bad },
        new RegExp(`^raft config: ${field} must be a positive integer, got `),
      );
    }
  }
});

test('validateConfig refuses a member id that is not a non-zero uint64', () => {
  for (const bad of [0n, -1n, 1n << 64n]) refused({ id: bad }, /id must be a non-zero uint64/);
  refused({ id: 1 as unknown as bigint }, /id must be a non-zero uint64, got 1/);
  assert.equal(validateConfig({ ...base(), id: (1n << 64n) - 1n }).id, (1n << 64n) - 1n);
});

test('validateConfig refuses an election timeout not above the heartbeat interval', () => {
  refused(
    { electionTimeoutTicks: 5, heartbeatIntervalTicks: 5 },
    /electionTimeoutTicks \(5\) must be greater than heartbeatIntervalTicks \(5\)/,
  );
  refused({ electionTimeoutTicks: 3, heartbeatIntervalTicks: 5 }, /electionTimeoutTicks \(3\)/);
  assert.equal(validateConfig({ ...base(), electionTimeoutTicks: 2 }).electionTimeoutTicks, 2);
});

test('validateConfig refuses a negative or fractional applied index', () => {
  refused({ appliedIndex: -1 }, /appliedIndex must be a non-negative integer/);
  refused({ appliedIndex: 1.5 }, /appliedIndex must be a non-negative integer/);
  assert.equal(validateConfig({ ...base(), appliedIndex: 0 }).appliedIndex, 0);
});

test('validateConfig refuses an inflight byte window smaller than one message', () => {
  refused(
    { maxInflightBytes: 99, maxMessageBytes: 100 },
    /maxInflightBytes \(99\) must be at least maxMessageBytes \(100\)/,
  );
  validateConfig({ ...base(), maxInflightBytes: 100, maxMessageBytes: 100 });
});

test('validateConfig copies the unsafe knobs, so a caller cannot flip them later', () => {
  const unsafe = { voteWithoutLogCheck: false };
  const cfg = validateConfig({ ...base(), unsafe });
  unsafe.voteWithoutLogCheck = true;
  assert.equal(cfg.unsafe.voteWithoutLogCheck, false);
});

test('RawNode validates its configuration at construction', () => {
  assert.throws(() => new RawNode({ ...base(), maxInflightMessages: 0 }), RaftConfigError);
});

test('validateConfig treats an option given as undefined as absent (its default), never as false', () => {
  const cfg = validateConfig({
    ...base(),
    preVote: undefined,
    checkQuorum: undefined,
    logger: undefined,
  });
  assert.equal(cfg.preVote, true);
  assert.equal(cfg.checkQuorum, true);
  assert.equal(cfg.logger, raftConfigDefaults.logger);
});
