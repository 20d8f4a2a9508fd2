// Clients of the simulated cluster: each runs one operation at a time (put,
// get or compare-and-set on a few keys) against a random member, and records
// the history the linearizability checker reads. A write that times out has
// an unknown outcome (it may still apply); a write refused outright never
// applies and is not recorded; a read that fails is simply not recorded.

import type { KvInput, KvOperation, KvOutput } from '../../store/check/index.js';
import type { NodeId } from '../../store/raft/index.js';
import type { KvCommand, KvResult } from './kv-machine.js';
import type { Simulation } from './simulation.js';

interface InFlight {
  token: number;
  input: KvInput;
  call: number;
}

export class Client {
  private seq = 0;
  private token = 0;
  private current: InFlight | undefined;
  private readonly lastSeen = new Map<string, string | null>();
  /** Operations that completed with a known result since `countSince`. */
  completed = 0;
  countSince = 0;
  stopped = false;

  constructor(
    readonly id: number,
    private readonly sim: Simulation,
    private readonly history: KvOperation[],
  ) {}

  start(): void {
    this.scheduleNext();
  }

  private scheduleNext(backoffUnits = 0): void {
    // At least one time unit: in a one-member cluster a write can complete
    // within the event that issued it, and time must still move.
    const think = 1 + backoffUnits + this.sim.rng.int(this.sim.p.thinkMaxUnits + 1);
    this.sim.at(think, () => this.issue());
  }

  private key(): string {
    return `k${this.sim.rng.int(this.sim.p.keys)}`;
  }

  private target(): NodeId {
    const ids = [...this.sim.nodes.values()].filter((n) => !n.removed).map((n) => n.id);
    return this.sim.rng.pick(ids);
  }

  private issue(): void {
    if (this.stopped) return;
    const rng = this.sim.rng;
    const key = this.key();
    const roll = rng.int(10);
    let input: KvInput;
    if (roll < 4) input = { kind: 'get', key };
    else if (roll < 7) input = { kind: 'put', key, value: `c${this.id}.${this.seq}` };
    else {
      const seen = this.lastSeen.get(key) ?? null;
      const expected = rng.chance(0.8) ? seen : null;
      input = { kind: 'cas', key, expected, value: `c${this.id}.${this.seq}` };
    }
    const token = ++this.token;
    const call = this.sim.time;
    const node = this.target();
    let accepted: boolean;
    if (input.kind === 'get') {
      accepted = this.sim.submitRead(node, key, (value) =>
        this.complete(token, { kind: 'get', value }),
      );
    } else {
      const cmd: KvCommand =
        input.kind === 'put'
          ? { op: 'put', client: this.id, seq: this.seq, key, value: input.value }
          : {
              op: 'cas',
              client: this.id,
              seq: this.seq,
              key,
              expected: input.expected,
              value: input.value,
            };
      accepted = this.sim.submitWrite(node, cmd, (r: KvResult) =>
        this.complete(token, r.op === 'put' ? { kind: 'put' } : { kind: 'cas', ok: r.ok }),
      );
    }
    this.seq++;
    if (!accepted) {
      // Refused at once (no leader, member down): it never takes effect.
      this.scheduleNext(this.sim.p.tickUnits * 2);
      return;
    }
    this.current = { token, input, call };
    this.sim.at(this.sim.p.clientTimeoutUnits, () => this.timeout(token));
  }

  private complete(token: number, output: KvOutput): void {
    const cur = this.current;
    if (!cur || cur.token !== token) return;
    this.current = undefined;
    this.history.push({
      clientId: this.id,
      input: cur.input,
      call: cur.call,
      output,
      return: this.sim.time,
    });
    this.learn(cur.input, output);
    if (cur.call >= this.countSince) this.completed++;
    this.scheduleNext();
  }

  private learn(input: KvInput, output: KvOutput): void {
    if (output.kind === 'get') this.lastSeen.set(input.key, output.value);
    else if (input.kind === 'put') this.lastSeen.set(input.key, input.value);
    else if (input.kind === 'cas' && output.kind === 'cas' && output.ok)
      this.lastSeen.set(input.key, input.value);
  }

  /** Issues no new operation; the one in flight may still complete. */
  quiesce(): void {
    this.stopped = true;
  }

  idle(): boolean {
    return this.current === undefined;
  }

  /** Ends the run for this client: a write still in flight has an unknown outcome. */
  stop(): void {
    this.stopped = true;
    const cur = this.current;
    if (cur) this.timeout(cur.token);
  }

  private timeout(token: number): void {
    const cur = this.current;
    if (!cur || cur.token !== token) return;
    this.current = undefined;
    if (cur.input.kind !== 'get') {
      // Unknown outcome: the write may apply later, or never.
      this.history.push({
        clientId: this.id,
        input: cur.input,
        call: cur.call,
        output: undefined,
        return: Infinity,
      });
    }
    if (!this.stopped) this.scheduleNext();
  }
}
