// The bank workload (FoundationDB's ring, Jepsen's bank): accounts with a
// fixed total. Each turn a client reads every account in one linearizable
// range (recorded, and checked like any read); most turns it then picks two
// accounts and moves a random amount from one to the other in a txn guarded
// by both accounts' mod revisions as that read returned them, so a transfer
// based on a stale read fails its compare instead of creating or destroying
// money.
// Verdicts: checks/bank.ts.

import type { CallOptions, Client } from '../../client/index.js';
import { checkRecorded } from '../checks/index.js';
import type { BankInput, BankReadOutput } from '../checks/index.js';
import type { CheckVerdict } from '../types.js';
import type { FinalContext, Recorder, Workload, WorkloadContext } from '../workload.js';
import { finalRead } from './final-read.js';
import { withRecords } from './history.js';
import { randomInt, shuffled } from './key-space.js';
import { workloadDefaults, type WorkloadOptions } from './options.js';
import { pause, perform, untilOk, type Answer } from './perform.js';
import { casByModRevision, deleteKeys, getPrefix, writeTxn } from './requests.js';

/** Share of a client's turns that end with the read (the rest go on to transfer). */
const readShare = 0.3;

export class BankWorkload implements Workload {
  readonly kind = 'bank';
  private readonly prefix: string;
  private readonly accounts: string[];
  private readonly balance: number;
  private recorder: Recorder | undefined;
  private opTimeoutMs = 0;
  private clientCount = 0;

  constructor(private readonly o: WorkloadOptions = {}) {
    this.prefix = o.prefix ?? 'chaos/bank/';
    const count = o.accountCount ?? workloadDefaults.accountCount;
    if (!Number.isSafeInteger(count) || count < 2) {
      throw new RangeError(`chaos workload: bank needs at least 2 accounts, got ${count}`);
    }
    this.accounts = Array.from({ length: count }, (_, i) => `${this.prefix}a${i}`);
    this.balance = o.accountBalance ?? workloadDefaults.accountBalance;
    if (!Number.isSafeInteger(this.balance) || this.balance < 1) {
      throw new RangeError(`chaos workload: accountBalance must be a positive integer`);
    }
  }

  async setup(ctx: WorkloadContext): Promise<void> {
    this.recorder = ctx.recorder;
    this.opTimeoutMs = ctx.opTimeoutMs;
    this.clientCount = ctx.clients.length;
    const client = ctx.clients[0]!;
    const deadline = Date.now() + (this.o.setupTimeoutMs ?? workloadDefaults.setupTimeoutMs);
    const clear: BankInput = { f: 'delete-prefix', prefix: this.prefix };
    await untilOk('deleting the accounts', deadline, () =>
      perform(ctx, 0, client, { ...clear }, 'write', (o) =>
        deleteKeys(client, this.prefix, { ...o, prefix: true }),
      ),
    );
    // Putting every account at once is idempotent, so an attempt whose outcome is unknown is
    // simply repeated: the state after the last one is the same either way.
    const setup: BankInput = {
      f: 'setup',
      prefix: this.prefix,
      accounts: this.accounts,
      balance: this.balance,
    };
    const writes = this.accounts.map((key) => ({
      f: 'put' as const,
      key,
      value: `${this.balance}`,
    }));
    await untilOk('opening the accounts', deadline, () =>
      perform(ctx, 0, client, { ...setup }, 'write', async (o) => ({
        ...(await writeTxn(client, writes, o)),
        output: { succeeded: true },
      })),
    );
  }

  async runClient(index: number, ctx: WorkloadContext): Promise<void> {
    const client = ctx.clients[index]!;
    while (!ctx.signal.aborted) {
      const read = await perform(ctx, index, client, this.readInput(false), 'read', (o) =>
        readAccounts(client, this.prefix, o),
      );
      if (read.outcome === 'ok' && ctx.random() >= readShare && !ctx.signal.aborted) {
        await this.transfer(index, client, ctx, read.output);
      }
      await pause(ctx.pauseMs, ctx.signal);
    }
  }

  private async transfer(
    index: number,
    client: Client,
    ctx: WorkloadContext,
    seen: BankReadOutput,
  ): Promise<void> {
    const [from, to] = shuffled(this.accounts, ctx.random) as [string, string];
    const available = seen.balances[from] ?? 0;
    if (available <= 0) return;
    const amount =
      1 + randomInt(ctx.random, Math.min(available, workloadDefaults.transferAmountMax));
    const input: BankInput = {
      f: 'transfer',
      from,
      to,
      amount,
      fromRevision: seen.modRevisions[from] ?? 0,
      toRevision: seen.modRevisions[to] ?? 0,
    };
    const guards = [
      { key: from, modRevision: input.fromRevision },
      { key: to, modRevision: input.toRevision },
    ];
    const puts = [
      { key: from, value: `${available - amount}` },
      { key: to, value: `${(seen.balances[to] ?? 0) + amount}` },
    ];
    await perform(ctx, index, client, { ...input }, 'write', (o) =>
      casByModRevision(client, guards, puts, o),
    );
  }

  async check(ctx: FinalContext): Promise<CheckVerdict[]> {
    const recorder = this.recorder;
    if (recorder === undefined) throw new Error('chaos workload: check() before setup()');
    const { ops } = await finalRead(
      { recorder, opTimeoutMs: this.opTimeoutMs, clientIndex: this.clientCount },
      ctx.client,
      this.readInput(true),
      (o) => readAccounts(ctx.client, this.prefix, o),
    );
    return checkRecorded('bank', withRecords(ctx.history, ops));
  }

  private readInput(final: boolean): Record<string, unknown> {
    const input: BankInput = final
      ? { f: 'read', prefix: this.prefix, final }
      : { f: 'read', prefix: this.prefix };
    return { ...input };
  }
}

/** Every account, at one revision; a balance that is not a number reads as NaN (and fails). */
async function readAccounts(
  client: Client,
  prefix: string,
  o: CallOptions,
): Promise<Answer<BankReadOutput & Record<string, unknown>>> {
  const r = await getPrefix(client, prefix, o);
  const balances: Record<string, number> = {};
  const modRevisions: Record<string, number> = {};
  for (const kv of r.output.kvs) {
    balances[kv.key] = Number(kv.value);
    modRevisions[kv.key] = kv.modRevision;
  }
  return { output: { balances, modRevisions }, revision: r.revision };
}
