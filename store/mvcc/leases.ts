// Which lease ids exist. etcd's applier asks its lessor before a put
// attaches a lease (etcdserver/apply.go: Put, and checkPut along a Txn's
// path) and fails with "requested lease not found" for an id it does not
// hold; etcd's mvcc package itself attaches any id. capstan's store is both,
// so it takes the lessor's answer as a lookup.
//
// capstan grants no leases yet (the Lease service comes with a later
// milestone), so a store knows none unless told otherwise: a put with any
// lease but 0 fails as it does on an etcd that never granted that lease.

export interface LeaseLookup {
  has(id: bigint): boolean;
}

/** No lease has been granted: the store's default. */
export const noLeases: LeaseLookup = { has: () => false };

/** Every id attaches, as in etcd's mvcc package alone (for tests of the revision logic). */
export const anyLease: LeaseLookup = { has: () => true };
