// Store bugs `capstan chaos` has found and that are not fixed yet
// (docs/chaos.md, "Track record"). The CI suite holds every safety verdict
// to pass; an availability verdict (a member died, so it cannot converge)
// that fails only because of one of these is reported as a TODO that names
// the bug, never silently passed — and any other failure fails the suite.
// Delete an entry when its bug is fixed: the suite then demands it.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface KnownBug {
  id: string;
  summary: string;
  /** A line of a member's log that only this bug writes. */
  signature: RegExp;
}

// Fixed so far (docs/chaos.md, "Track record"): forwarded-request-crash
// (08eb46b), snapshot-install-crash-bricks-member (3bcc7ff).
export const knownBugs: readonly KnownBug[] = [];

/** The known bugs whose signature is in some member's log under `clusterDir`. */
export async function knownBugsIn(clusterDir: string): Promise<KnownBug[]> {
  const found = new Set<KnownBug>();
  for (const name of await readdir(clusterDir)) {
    if (!name.endsWith('.log')) continue;
    const text = await readFile(join(clusterDir, name), 'utf8');
    for (const bug of knownBugs) if (bug.signature.test(text)) found.add(bug);
  }
  return [...found];
}
