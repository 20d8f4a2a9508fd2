// How `capstan ctl` prints: `simple` (what etcdctl prints by default),
// `json` (the response as the wire carries it: int64 values as decimal
// strings so no precision is lost, bytes as base64, like etcdctl's keys
// and values) and `table` (for status and member lists).

export type OutputFormat = 'simple' | 'json' | 'table';

export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer') {
        return Buffer.from((v as { data: number[] }).data).toString('base64');
      }
      return v;
    },
    2,
  );
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const sep = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padStart(Math.floor((widths[i]! + c.length) / 2)).padEnd(widths[i]!)).join(' | ')} |`;
  return [sep, line(header), sep, ...rows.map(line), sep].join('\n');
}

export function hexId(decimal: string): string {
  return BigInt(decimal).toString(16);
}
