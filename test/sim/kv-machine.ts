// The simulator's state machine: a small string KV applied from the Raft
// log. Writes carry (client, seq) and are applied at most once (Raft thesis
// §6.3), so a proposal duplicated by the network or retried cannot apply
// twice. Reads do not go through the log: they use ReadIndex.

export type KvCommand =
  | { op: 'put'; client: number; seq: number; key: string; value: string }
  | { op: 'cas'; client: number; seq: number; key: string; expected: string | null; value: string };

export type KvResult = { op: 'put' } | { op: 'cas'; ok: boolean };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCommand(c: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(c));
}

export function decodeCommand(data: Uint8Array): KvCommand {
  return JSON.parse(decoder.decode(data)) as KvCommand;
}

export class KvMachine {
  private readonly data = new Map<string, string>();
  /** Highest seq applied per client: the at-most-once table. */
  private readonly lastSeq = new Map<number, number>();

  get(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  /** Applies a command; undefined when it is a duplicate that was already applied. */
  apply(c: KvCommand): KvResult | undefined {
    if ((this.lastSeq.get(c.client) ?? -1) >= c.seq) return undefined;
    this.lastSeq.set(c.client, c.seq);
    if (c.op === 'put') {
      this.data.set(c.key, c.value);
      return { op: 'put' };
    }
    const ok = this.get(c.key) === c.expected;
    if (ok) this.data.set(c.key, c.value);
    return { op: 'cas', ok };
  }

  serialize(): Uint8Array {
    return encoder.encode(JSON.stringify({ data: [...this.data], lastSeq: [...this.lastSeq] }));
  }

  static deserialize(bytes: Uint8Array): KvMachine {
    const kv = new KvMachine();
    if (bytes.length === 0) return kv;
    const parsed = JSON.parse(decoder.decode(bytes)) as {
      data: [string, string][];
      lastSeq: [number, number][];
    };
    for (const [k, v] of parsed.data) kv.data.set(k, v);
    for (const [c, s] of parsed.lastSeq) kv.lastSeq.set(c, s);
    return kv;
  }

  /** A canonical rendering, for comparing replicas at the end of a run. */
  fingerprint(): string {
    return JSON.stringify([...this.data].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}
