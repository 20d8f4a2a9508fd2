// The description of a local cluster, kept in <dir>/cluster.json so that
// `cluster status`, `down` and `restart` find the members `up` started, and
// a later `up` reuses the same ports and data.

import { readFile, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalMember {
  name: string;
  clientPort: number;
  peerPort: number;
  /** The process running it, if `up` started one (0 when stopped). */
  pid: number;
}

export interface ClusterFile {
  token: string;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  snapshotCount?: number;
  members: LocalMember[];
}

export const clusterFileName = 'cluster.json';

export async function readClusterFile(dir: string): Promise<ClusterFile | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, clusterFileName), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const parsed = JSON.parse(text) as ClusterFile;
  if (!Array.isArray(parsed.members) || parsed.members.length === 0) {
    throw new Error(`${join(dir, clusterFileName)} lists no members`);
  }
  return parsed;
}

export async function writeClusterFile(dir: string, c: ClusterFile): Promise<void> {
  const path = join(dir, clusterFileName);
  await writeFile(`${path}.tmp`, `${JSON.stringify(c, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}
