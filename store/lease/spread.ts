// When a new leader takes over many leases at once, their expiries may pile
// up (every lease granted in the same second expires in the same second).
// etcd's Promote spreads such a pile so that no more than three quarters of
// the revoke rate expire in any one second, leaving room for leases that
// expire on their own; it does so only when there are at least as many
// leases as the revoke rate allows per second, since fewer cannot pile up.
//
// The rule here: walk the expiries in order and cut them into windows of one
// second, each opening at the first expiry past the previous window; a
// window takes at most `perWindow` expiries, and a lease that does not fit
// is moved to the start of the next window. Leases only ever move later,
// never earlier, so spreading can delay a revoke but never expire a lease
// before its time.

const windowMs = 1000;

export interface Expiry {
  id: bigint;
  atMs: number;
}

/**
 * The expiries to move: id → new expiry (later than its old one). `expiries`
 * need not be sorted. Empty when fewer leases than `revokePerSecond`.
 */
export function spreadExpiries(
  expiries: readonly Expiry[],
  revokePerSecond: number,
): Map<bigint, number> {
  const moved = new Map<bigint, number>();
  if (expiries.length < revokePerSecond) return moved;
  const perWindow = Math.max(1, Math.floor((3 * revokePerSecond) / 4));
  const sorted = [...expiries].sort((a, b) => a.atMs - b.atMs || (a.id < b.id ? -1 : 1));
  let windowStart = -Infinity;
  let inWindow = 0;
  for (const e of sorted) {
    if (e.atMs >= windowStart + windowMs) {
      windowStart = e.atMs;
      inWindow = 0;
    }
    if (inWindow === perWindow) {
      // Full: the rest of the pile opens the next window.
      windowStart += windowMs;
      inWindow = 0;
    }
    inWindow++;
    if (windowStart > e.atMs) moved.set(e.id, windowStart);
  }
  return moved;
}
