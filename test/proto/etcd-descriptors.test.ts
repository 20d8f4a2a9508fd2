// Our protos describe exactly the wire of the etcd that is installed: every
// message, field number, type, label, oneof, enum value and RPC of etcd's own
// compiled descriptors (read out of the etcd binary) is in ours, and ours
// have nothing more. Runs where etcd is installed (CI installs Debian's
// etcd-server); skipped elsewhere.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { clientProtos } from '../../store/server/grpc/protos.js';
import { findOnPath } from '../store/server/grpc/etcdctl.js';
import { describeFiles, fileIdentity, type FileSummary } from './descriptor-wire.js';
import { goBinaryDescriptors } from './go-descriptors.js';

/** The client-API files: package and the file's base name. */
const clientFiles = [
  ['mvccpb', 'kv.proto'],
  ['authpb', 'auth.proto'],
  ['etcdserverpb', 'rpc.proto'],
  ['v3lockpb', 'v3lock.proto'],
  ['v3electionpb', 'v3election.proto'],
  ['grpc.health.v1', 'health.proto'],
] as const;
const packages = new Set(clientFiles.map(([pkg]) => pkg));

/** Our files, as protobufjs serializes them for gRPC reflection. */
function ourDescriptors(): FileSummary[] {
  const byName = new Map<string, Buffer>();
  for (const def of Object.values(clientProtos().packageDefinition)) {
    const protos = 'fileDescriptorProtos' in def ? def.fileDescriptorProtos : [];
    for (const serialized of protos as Buffer[]) {
      byName.set(fileIdentity(serialized).name, serialized);
    }
  }
  return describeFiles([...byName.values()]);
}

/**
 * Lines of each client-API file, keyed "package/base name". protoc keeps
 * file names (etcd's are "rpc.proto" and so on); protobufjs names each file
 * after its package, so ours are found by package (one file per package).
 */
const byFile = (files: FileSummary[], by: 'name' | 'package') =>
  Object.fromEntries(
    clientFiles.map(([pkg, base]) => {
      const file = files.find(
        (f) => f.package === pkg && (by === 'package' || f.name.split('/').pop() === base),
      );
      return [`${pkg}/${base}`, file?.lines ?? []];
    }),
  );

test('our protos match the descriptors compiled into etcd 3.4', (t) => {
  const etcd = findOnPath('etcd');
  if (etcd === undefined) return t.skip('etcd not installed');
  const version = execFileSync(etcd, ['--version'], { env: { PATH: process.env['PATH'] } });
  if (!/etcd Version: 3\.4\./.test(version.toString())) return t.skip('etcd is not 3.4');

  const theirs = byFile(describeFiles(goBinaryDescriptors(etcd, packages)), 'name');
  const ours = byFile(ourDescriptors(), 'package');
  for (const [file, lines] of Object.entries(theirs)) {
    assert.ok(lines.length > 0, `etcd has no ${file}`);
    assert.deepEqual(ours[file], lines, file);
  }
});

test('the comparison sees what matters: field numbers, types, oneofs, streams', () => {
  const rpc = byFile(ourDescriptors(), 'package')['etcdserverpb/rpc.proto'] ?? [];
  assert.ok(rpc.includes('field .etcdserverpb.Compare.range_end = 64 optional bytes'));
  assert.ok(rpc.includes('field .etcdserverpb.Compare.lease = 8 optional int64 in target_union'));
  assert.ok(rpc.includes('field .etcdserverpb.ResponseHeader.cluster_id = 1 optional uint64'));
  assert.ok(
    rpc.includes('field .etcdserverpb.RangeResponse.kvs = 2 repeated message .mvccpb.KeyValue'),
  );
  assert.ok(
    rpc.includes(
      'rpc .etcdserverpb.Watch.Watch(stream .etcdserverpb.WatchRequest) ' +
        'returns (stream .etcdserverpb.WatchResponse)',
    ),
  );
  assert.ok(rpc.includes('enum .etcdserverpb.AlarmType { NONE=0 NOSPACE=1 CORRUPT=2 }'));
});
