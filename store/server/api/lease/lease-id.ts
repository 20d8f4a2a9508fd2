// The id a server picks for a lease when the client asked for 0: a random
// positive int63 (etcd takes the next id of its request-id generator, masked
// to 63 bits; a random one is as unique and needs no coordination). Never 0,
// which means "no lease".

import { randomBytes } from 'node:crypto';

const int63Mask = (1n << 63n) - 1n;

export function randomLeaseId(): bigint {
  for (;;) {
    const id = randomBytes(8).readBigUInt64BE() & int63Mask;
    if (id !== 0n) return id;
  }
}
