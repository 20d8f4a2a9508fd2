// The typed store client: everything a user of the store imports.

export { Client, clientDefaults, type ClientOptions } from './client.js';
export * from './codec.js';
export * from './errors.js';
export type { CallOptions, Safety } from './retry.js';
export { classifyFailure } from './retry.js';
export * from './kv.js';
export * from './txn.js';
export * from './cluster.js';
export { Watcher, type WatchEvent, type WatchOptions, type WatchResponse } from './watch.js';
export { KeepAlive, keepAliveResendMs, type KeepAliveOptions } from './keepalive.js';
export { LeaseHandle, Leases, type KeepAliveOnceResult } from './lease.js';
export { Session, sessionTtlSecondsDefault, type SessionOptions } from './session.js';
export { lock, type Lock, type LockOptions } from './lock.js';
export { Election, LeaderObserver, type ElectionOptions } from './election.js';
export { waitDeletes, waitDelete } from './wait-deletes.js';
export { silentLogger, type ClientLogger } from './logger.js';
export { endpointAddress } from './connection.js';
export type { WireApi } from './wire-api.js';
