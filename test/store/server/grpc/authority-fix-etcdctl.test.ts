// etcd 3.4's etcdctl dialing a capstan member by URL: its client sends the
// URL as the HTTP/2 :authority ("http://127.0.0.1:PORT"), which Node's
// HTTP/2 refuses unless authority-fix rewrites it. A grpc-js client with a
// normal authority shares the port. Skipped when etcdctl is not installed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestCluster, key, text } from '../../../integration/harness.js';
import { etcdctl, findOnPath } from './etcdctl.js';

const etcdctlBin = findOnPath('etcdctl');

describe(
  'etcdctl --endpoints=http://… against a capstan member',
  { skip: etcdctlBin === undefined && 'etcdctl not installed' },
  () => {
    let cluster: TestCluster;
    let url: string;
    const ctl = (...args: string[]) => etcdctl(etcdctlBin!, url, args);

    before(async () => {
      cluster = await TestCluster.start({ replicas: 1 });
      url = `http://${cluster.endpoint('m1')}`;
    });
    after(() => cluster?.close());

    test('endpoint status', async () => {
      const r = await ctl('endpoint', 'status');
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^${url}, [0-9a-f]+, 3\\.4\\.\\d+, `));
    });

    test('endpoint health', async () => {
      const r = await ctl('endpoint', 'health');
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stderr + r.stdout, new RegExp(`${url} is healthy`));
    });

    test('endpoint status --cluster and hashkv --cluster dial the advertised URL', async () => {
      const status = await ctl('endpoint', 'status', '--cluster');
      assert.equal(status.exitCode, 0, status.stderr);
      assert.match(status.stdout, new RegExp(`^${url}, `));
      const hash = await ctl('endpoint', 'hashkv', '--cluster');
      assert.equal(hash.exitCode, 0, hash.stderr);
      assert.match(hash.stdout, new RegExp(`^${url}, \\d+`));
    });

    test('a grpc-js client with a normal authority on the same port', async () => {
      const put = await ctl('put', 'authority-fix', 'from-etcdctl');
      assert.equal(put.exitCode, 0, put.stderr);
      const res = await cluster.client('m1').range({ key: key('authority-fix') });
      assert.equal(text(res.kvs[0]?.value), 'from-etcdctl');
    });
  },
);
