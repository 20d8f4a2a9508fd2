// Member and cluster ids, derived the way etcd derives them so that every
// member of a new cluster computes the same ids from the same flags:
//   member id  = first 8 bytes (big-endian) of sha1(sorted peer URLs joined,
//                then the cluster token, then — for a member added at run
//                time — the time it was added);
//   cluster id = first 8 bytes of sha1(the sorted member ids, 8 bytes each).

import { createHash } from 'node:crypto';

function first8(hash: Buffer): bigint {
  return hash.readBigUInt64BE(0);
}

export function memberId(
  peerUrls: readonly string[],
  clusterToken: string,
  addedAtMs?: number,
): bigint {
  const h = createHash('sha1');
  h.update([...peerUrls].sort().join(''));
  h.update(clusterToken);
  if (addedAtMs !== undefined) h.update(String(Math.floor(addedAtMs / 1000)));
  const id = first8(h.digest());
  // 0 means "no member" to Raft; astronomically unlikely, but never hand it out.
  return id === 0n ? 1n : id;
}

export function clusterId(memberIds: readonly bigint[]): bigint {
  const h = createHash('sha1');
  const buf = Buffer.alloc(8);
  for (const id of [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    buf.writeBigUInt64BE(id);
    h.update(buf);
  }
  return first8(h.digest());
}

/** Member ids print as etcd prints them in logs and tables: lower-case hex. */
export function idHex(id: bigint): string {
  return id.toString(16);
}
