// A Go program built with protobuf keeps, for every .proto compiled into it,
// the FileDescriptorProto gzip-compressed in its data segment (that is what
// gRPC reflection serves). This finds them in a binary such as /usr/bin/etcd,
// so the tests can compare our protos with the ones etcd itself was built
// from, without any copy of etcd's files in this repository.
import { readFileSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
import { fileIdentity } from './descriptor-wire.js';

const gzipMagic = Buffer.from([0x1f, 0x8b, 0x08]);
/** Larger than any descriptor we look for (etcd's rpc.proto inflates to ~15 KiB). */
const maxCompressedBytes = 256 * 1024;

/** Serialized descriptors of the given packages found in a Go binary, one per file. */
export function goBinaryDescriptors(binaryPath: string, packages: ReadonlySet<string>): Buffer[] {
  const binary = readFileSync(binaryPath);
  const found = new Map<string, Buffer>();
  for (let at = binary.indexOf(gzipMagic); at >= 0; at = binary.indexOf(gzipMagic, at + 1)) {
    let inflated: Buffer;
    try {
      inflated = gunzipSync(binary.subarray(at, at + maxCompressedBytes), {
        finishFlush: constants.Z_SYNC_FLUSH,
      });
    } catch {
      continue; // the magic bytes were not the start of a gzip stream
    }
    // A FileDescriptorProto starts with field 1 (name), length-delimited.
    if (inflated[0] !== 0x0a) continue;
    try {
      const { name, package: pkg } = fileIdentity(inflated);
      if (packages.has(pkg) && name.endsWith('.proto')) found.set(`${pkg}:${name}`, inflated);
    } catch {
      // not a descriptor after all
    }
  }
  return [...found.values()];
}
