// The table `capstan cluster status` prints.

import type { MemberStatus } from './local-cluster.js';

export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

export function statusTable(rows: readonly MemberStatus[]): string {
  const header = [
    'MEMBER',
    'ENDPOINT',
    'ID',
    'LEADER',
    'TERM',
    'APPLIED INDEX',
    'DB SIZE',
    'STATE',
  ];
  const body = rows.map((r) => [
    r.name,
    r.endpoint,
    r.id ?? '-',
    r.isLeader === undefined ? '-' : r.isLeader ? 'yes' : 'no',
    r.term ?? '-',
    r.appliedIndex ?? '-',
    r.dbSizeBytes === undefined ? '-' : formatBytes(r.dbSizeBytes),
    !r.running ? 'stopped' : r.error ? `unreachable (${r.error})` : 'running',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}
