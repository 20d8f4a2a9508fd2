// etcd's strict reconfiguration checks: a membership change that would leave
// no active quorum is refused before it is proposed ("unhealthy cluster",
// "re-configuration failed due to not enough started members").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEtcdError } from '../../../../../store/errors.js';
import { limits } from '../../../../../store/limits.js';
import type { Member } from '../../../../../store/mvcc/index.js';
import type { ApiContext } from '../../../../../store/server/api/context.js';
import {
  mayAddMember,
  mayPromoteMember,
  mayRemoveMember,
} from '../../../../../store/server/api/cluster/reconfig-checks.js';

const long = Date.now() - 2 * limits.reconfigHealthIntervalMs;
const recent = Date.now() - 100;

interface Peer {
  name?: string;
  learner?: boolean;
  /** When its connection opened; undefined: down. */
  since?: number;
}

/** A context for member 1 with peers 2, 3, … as described. */
function ctx(peers: Peer[]): ApiContext {
  const members: Member[] = [
    { id: 1n, name: 'm1', peerUrls: [], clientUrls: [], isLearner: false },
    ...peers.map((p, i) => ({
      id: BigInt(i + 2),
      name: p.name ?? `m${i + 2}`,
      peerUrls: [],
      clientUrls: [],
      isLearner: p.learner ?? false,
    })),
  ];
  return {
    memberId: 1n,
    mvcc: { members: () => members },
    peerActiveSinceMs: (id: bigint) => (id === 1n ? undefined : peers[Number(id) - 2]!.since),
  } as unknown as ApiContext;
}

function refusedWith(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(isEtcdError(err), String(err));
    return err.code;
  }
}

describe('adding a member', () => {
  it('a voter needs every voter connected for the health interval', () => {
    assert.equal(
      refusedWith(() => mayAddMember(ctx([{ since: long }, { since: long }]), false)),
      undefined,
    );
    assert.equal(
      refusedWith(() => mayAddMember(ctx([{ since: long }, { since: recent }]), false)),
      'Unhealthy',
    );
    assert.equal(
      refusedWith(() => mayAddMember(ctx([{ since: long }, {}]), false)),
      'Unhealthy',
    );
  });

  it('a learner is never refused for health', () => {
    assert.equal(
      refusedWith(() => mayAddMember(ctx([{ since: long }, {}]), true)),
      undefined,
    );
  });

  it('a voter needs a quorum of started members in the new configuration', () => {
    // 2 started of 4 after the add: no quorum.
    const c = ctx([{ since: long }, { name: '', since: long }]);
    assert.equal(
      refusedWith(() => mayAddMember(c, false)),
      'MemberNotEnoughStarted',
    );
    // Restoring a single member into two is allowed.
    assert.equal(
      refusedWith(() => mayAddMember(ctx([]), false)),
      undefined,
    );
  });
});

describe('removing a member', () => {
  it('removing a live voter while another is down would break the active quorum', () => {
    const c = ctx([{ since: long }, {}]);
    assert.equal(
      refusedWith(() => mayRemoveMember(c, 2n)),
      'Unhealthy',
    );
  });

  it('removing the member that is down is allowed', () => {
    assert.equal(
      refusedWith(() => mayRemoveMember(ctx([{ since: long }, {}]), 3n)),
      undefined,
    );
  });

  it('removing a voter from a healthy cluster, or any learner, is allowed', () => {
    assert.equal(
      refusedWith(() => mayRemoveMember(ctx([{ since: long }, { since: long }]), 2n)),
      undefined,
    );
    assert.equal(
      refusedWith(() => mayRemoveMember(ctx([{}, { learner: true, since: long }]), 3n)),
      undefined,
    );
  });

  it('the rest must hold a quorum of started members', () => {
    const c = ctx([
      { name: '', since: long },
      { name: '', since: long },
      { since: long },
      { since: long },
    ]);
    // 5 voters; removing m4 leaves m1, m2 (unstarted), m3 (unstarted), m5: 2 of 4 started.
    assert.equal(
      refusedWith(() => mayRemoveMember(c, 4n)),
      'MemberNotEnoughStarted',
    );
  });
});

describe('promoting a learner', () => {
  it('needs a quorum of started members once the learner votes', () => {
    assert.equal(
      refusedWith(() => mayPromoteMember(ctx([{ since: long }, { learner: true }]), 3n)),
      undefined,
    );
    const c = ctx([
      { name: '', since: long },
      { name: '', learner: true },
    ]);
    assert.equal(
      refusedWith(() => mayPromoteMember(c, 3n)),
      'MemberNotEnoughStarted',
    );
  });
});
