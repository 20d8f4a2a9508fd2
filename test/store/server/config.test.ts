import assert from 'node:assert/strict';
import test from 'node:test';
import { ConfigError, envName, resolveConfig } from '../../../store/server/config.js';
import { clusterId, memberId } from '../../../store/server/ids.js';

test('with no flags: a single member "default" on 127.0.0.1:2379/2380 with data in default.capstan', () => {
  const cfg = resolveConfig({}, {});
  assert.equal(cfg.name, 'default');
  assert.equal(cfg.dataDir, 'default.capstan');
  assert.equal(cfg.listenClientUrls[0]!.toString(), 'http://127.0.0.1:2379/');
  assert.deepEqual([...cfg.initialCluster], [['default', ['http://127.0.0.1:2380']]]);
  assert.equal(cfg.initialClusterState, 'new');
  assert.equal(cfg.heartbeatIntervalMs, 100);
  assert.equal(cfg.electionTimeoutMs, 1000);
  assert.equal(cfg.snapshotCountEntries, 10_000);
  assert.equal(cfg.maxRequestBytes, 1.5 * 1024 * 1024);
});

test('every flag is also a CAPSTAN_* variable, and a flag wins over the environment', () => {
  assert.equal(envName('initial-cluster-token'), 'CAPSTAN_INITIAL_CLUSTER_TOKEN');
  const env = {
    CAPSTAN_NAME: 'from-env',
    CAPSTAN_SNAPSHOT_COUNT: '50',
    CAPSTAN_INITIAL_CLUSTER: 'from-env=http://127.0.0.1:2380',
  };
  const cfg = resolveConfig({ 'snapshot-count': '70' }, env);
  assert.equal(cfg.name, 'from-env');
  assert.equal(cfg.snapshotCountEntries, 70);
  assert.equal(cfg.dataDir, 'from-env.capstan');
});

test('bad values are refused with a message naming the flag', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ 'heartbeat-interval': 'ten' }, /--heartbeat-interval: "ten" is not a non-negative integer/],
    [
      { 'election-timeout': '200' },
      /--election-timeout \(200\) must be at least 5 times --heartbeat-interval/,
    ],
    [{ 'listen-client-urls': 'localhost' }, /--listen-client-urls: "localhost" is not a URL/],
    [{ 'listen-client-urls': 'http://127.0.0.1' }, /must name a port/],
    [{ 'listen-peer-urls': 'https://127.0.0.1:2380' }, /TLS is not supported yet/],
    [{ 'initial-cluster-state': 'old' }, /must be "new" or "existing"/],
    [{ 'log-level': 'loud' }, /--log-level must be/],
    [{ name: 'a', 'initial-cluster': 'b=http://127.0.0.1:2380' }, /has no member named "a"/],
    [
      { name: 'a', 'initial-cluster': 'a=http://127.0.0.1:9999' },
      /--initial-advertise-peer-urls .* must match the URLs --initial-cluster gives "a"/,
    ],
  ];
  for (const [flags, why] of cases)
    assert.throws(
      () => resolveConfig(flags, {}),
      (e: unknown) => e instanceof ConfigError && why.test(e.message),
      JSON.stringify(flags),
    );
});

test('member and cluster ids are derived the same way by every member (etcd does so too)', () => {
  const a = memberId(['http://127.0.0.1:2380'], 'tok');
  assert.equal(a, memberId(['http://127.0.0.1:2380'], 'tok'));
  assert.notEqual(a, memberId(['http://127.0.0.1:2380'], 'other-token'));
  assert.notEqual(a, memberId(['http://127.0.0.1:2380'], 'tok', Date.now()));
  assert.ok(a > 0n && a < 1n << 64n);
  const ids = [memberId(['http://a:1'], 't'), memberId(['http://b:1'], 't')];
  assert.equal(clusterId(ids), clusterId([...ids].reverse()), 'order does not matter');
});
