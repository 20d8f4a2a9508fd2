// What the comparison treats as legitimately different between two fresh
// clusters (ids, ports, terms, indexes, sizes, hashes, timings, row order
// by random id) — and that it keeps everything else, so a real difference
// still shows.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeCtl, scrub, type Facts } from './normalize.js';
import type { CtlRecord } from './session.js';

const m1 = 0xbdae9bbc11dd390dn;
const m2 = 0x2943212f5e2cf73n;
const cluster = 0xd1cfaf999eb97a2an;

const facts: Facts = {
  ids: new Map([
    [m1, 'm1'],
    [m2, 'm2'],
    [cluster, 'cluster'],
  ]),
  ports: new Map([
    [23791, 'm1:client'],
    [23801, 'm1:peer'],
  ]),
  dir: '/tmp/capstan-it-x',
};

function rec(args: string[], stdout: string, extra: Partial<CtlRecord> = {}): CtlRecord {
  return {
    kind: 'ctl',
    args,
    rows: undefined,
    result: { exitCode: 0, stdout, stderr: '' },
    ...extra,
  };
}

describe('normalize', () => {
  test('ids in hex (padded or not) and decimal, ports, paths and timings become labels', () => {
    assert.equal(
      scrub(`Member  ${m2.toString(16)} added to cluster ${cluster.toString(16)}`, facts),
      'Member <m2> added to cluster <cluster>',
    );
    assert.equal(scrub(`"MemberID" : ${m1}`, facts), '"MemberID" : <m1>');
    assert.equal(
      scrub('127.0.0.1:23791 is healthy: successfully committed proposal: took = 1.9ms', facts),
      '<m1:client> is healthy: successfully committed proposal: took = <took>',
    );
    assert.equal(scrub('saved at /tmp/capstan-it-x/snap.db', facts), 'saved at <dir>/snap.db');
  });

  test('JSON keeps revisions and values; terms, indexes and sizes become placeholders', () => {
    const out = normalizeCtl(
      rec(
        ['endpoint', 'status', '-w', 'json'],
        `[{"Endpoint":"127.0.0.1:23791","Status":{"header":{"cluster_id":${cluster},"member_id":${m1},"revision":17,"raft_term":2},"version":"3.4.23","dbSize":20480,"leader":${m1},"raftIndex":34}}]\n`,
      ),
      facts,
    );
    assert.equal(
      out,
      'exit code 0\n--- stdout\n[{"Endpoint":"<m1:client>","Status":{"header":{"cluster_id":"<cluster>","member_id":"<m1>","revision":17,"raft_term":"<volatile>"},"version":"3.4.23","dbSize":"<volatile>","leader":"<m1>","raftIndex":"<volatile>"}}]\n',
    );
  });

  test('tables lose their widths, not their shape; member rows are compared as a set plus their id order', () => {
    const table = (rows: string[]) =>
      ['+----+------+', '| ID | NAME |', '+----+------+', ...rows, '+----+------+', ''].join('\n');
    const sorted = rec(
      ['member', 'list', '-w', 'table'],
      table([`| ${m2.toString(16)} |   m2 |`, `| ${m1.toString(16)} | m1 |`]),
      { rows: 'by-id' },
    );
    const unsorted = rec(
      ['member', 'list', '-w', 'table'],
      table([`| ${m1.toString(16)} | m1 |`, `| ${m2.toString(16)} | m2 |`]),
      { rows: 'by-id' },
    );
    const a = normalizeCtl(sorted, facts);
    assert.equal(
      a,
      'exit code 0\n--- stdout\n(rows in member id order)\n+-+-+\n| ID | NAME |\n+-+-+\n| <m1> | m1 |\n| <m2> | m2 |\n+-+-+',
    );
    assert.notEqual(normalizeCtl(unsorted, facts), a, 'the id order still counts');
  });

  test('hash values are placeholders, but members that disagree still show', () => {
    const out = (h2: string) =>
      normalizeCtl(
        rec(['endpoint', 'hashkv'], `127.0.0.1:23791, 1412831854\n127.0.0.1:23792, ${h2}\n`),
        facts,
      );
    assert.match(out('1412831854'), /\(hashes agree\)/);
    assert.match(out('4205948307'), /\(hashes DIFFER\)/);
  });

  test('stderr keeps what etcdctl printed, not the client library JSON logs', () => {
    const out = normalizeCtl(
      {
        ...rec(['put', 'a', 'b'], ''),
        result: {
          exitCode: 1,
          stdout: '',
          stderr:
            '{"level":"warn","msg":"retrying of unary invoker failed"}\nError: etcdserver: key not found\n',
        },
      },
      facts,
    );
    assert.equal(out, 'exit code 1\n--- stderr\nError: etcdserver: key not found');
  });
});
