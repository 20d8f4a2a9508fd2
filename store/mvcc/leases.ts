// Which lease ids exist. etcd's applier asks its lessor before a put
// attaches a lease (etcdserver/apply.go: Put, and checkPut along a Txn's
// path) and fails with "requested lease not found" for an id it does not
// hold; etcd's mvcc package itself attaches any id. capstan's store is both:
// by default it asks its own lease table (lease-table.ts), and tests of the
// revision logic alone may pass another lookup.

export interface LeaseLookup {
  has(id: bigint): boolean;
}

/** No lease exists. */
export const noLeases: LeaseLookup = { has: () => false };

/** Every id attaches, as in etcd's mvcc package alone (for tests of the revision logic). */
export const anyLease: LeaseLookup = { has: () => true };
