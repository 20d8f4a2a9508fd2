// Test-only redirection of peer connections, for fault runs that put a TCP
// proxy on every directed peer link (`capstan chaos`, docs/chaos.md).
//
// Every member dials the same advertised peer URL of a member, so a proxy in
// front of that URL would cut m1→m3 and m2→m3 together. Instead each member
// is started with
//   CAPSTAN_PEER_URL_OVERRIDES=127.0.0.1:2380=127.0.0.1:41001,127.0.0.1:2382=127.0.0.1:41002
// (advertised host:port = where this process really dials), so member i
// reaches member j through a proxy of its own: the link i→j. Raft messages
// from i to j travel only on connections i dials (grpc-peer.ts: one client
// stream per peer), so cutting i's proxy to j cuts exactly i→j.
//
// The member table, ids and everything on the wire keep the advertised URLs;
// only the socket address changes. Unset (every normal start), nothing is
// redirected. A malformed value refuses to start.

export const peerUrlOverridesEnv = 'CAPSTAN_PEER_URL_OVERRIDES';

/** Parses `host:port=host:port,...` into advertised → dialled. */
export function parsePeerUrlOverrides(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (value === undefined || value.trim() === '') return out;
  for (const part of value.split(',')) {
    const m = /^\s*([^=\s/]+:\d+)=([^=\s/]+:\d+)\s*$/.exec(part);
    if (!m) {
      throw new Error(
        `${peerUrlOverridesEnv}: "${part}" is not advertised-host:port=dialled-host:port`,
      );
    }
    out.set(m[1]!, m[2]!);
  }
  return out;
}

// Read once at load: a process runs with one set of links for its life.
const overrides = parsePeerUrlOverrides(process.env[peerUrlOverridesEnv]);

/** Where to dial for the peer address `hostPort` (itself unless overridden). */
export function dialTarget(hostPort: string): string {
  return overrides.size === 0 ? hostPort : (overrides.get(hostPort) ?? hostPort);
}
