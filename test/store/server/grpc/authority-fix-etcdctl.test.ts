// etcd 3.4's etcdctl dialing a capstan member by URL: its client sends the
// URL as the HTTP/2 :authority ("http://127.0.0.1:PORT"), which Node's
// HTTP/2 refuses unless authority-fix rewrites it. A grpc-js client with a
// normal authority shares the port. The member runs in this process (no
// child to outlive a failed start). Skipped when etcdctl is not installed.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { etcdClient, type EtcdClient } from '../../../../store/client/etcd-client.js';
import { freePorts } from '../../../../store/local-cluster/free-ports.js';
import { resolveConfig } from '../../../../store/server/config.js';
import { createLogger } from '../../../../store/server/logger.js';
import { Replica } from '../../../../store/server/replica.js';
import { etcdctl, findOnPath } from './etcdctl.js';

const etcdctlBin = findOnPath('etcdctl');
const readyWaitMs = 20_000;

describe(
  'etcdctl --endpoints=http://… against a capstan member',
  { skip: etcdctlBin === undefined && 'etcdctl not installed' },
  () => {
    let dir: string;
    let replica: Replica | undefined;
    let client: EtcdClient | undefined;
    let url: string;
    const ctl = (...args: string[]) => etcdctl(etcdctlBin!, url, args);

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'capstan-authority-'));
      // --cluster dials the advertised client URL: it must name the real port.
      const [clientPort, peerPort] = await freePorts(2);
      url = `http://127.0.0.1:${clientPort}`;
      const peer = `http://127.0.0.1:${peerPort}`;
      const cfg = resolveConfig(
        {
          name: 'a1',
          'data-dir': join(dir, 'a1'),
          'listen-client-urls': url,
          'advertise-client-urls': url,
          'listen-peer-urls': peer,
          'initial-advertise-peer-urls': peer,
          'initial-cluster': `a1=${peer}`,
          'heartbeat-interval': '20',
          'election-timeout': '200',
        },
        {},
      );
      replica = await Replica.start(cfg, { logger: createLogger('silent', {}) });
      client = etcdClient(`127.0.0.1:${clientPort}`);
      const deadline = Date.now() + readyWaitMs;
      for (;;) {
        try {
          await client.put({ key: Buffer.from('ready'), value: Buffer.from('1') }, 1000);
          break;
        } catch (e) {
          if (Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    });
    after(async () => {
      client?.close();
      await replica?.stop();
      await rm(dir, { recursive: true, force: true });
    });

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
      const res = await client!.range({ key: Buffer.from('authority-fix') });
      assert.equal(Buffer.from(res.kvs[0]!.value!).toString(), 'from-etcdctl');
    });
  },
);
