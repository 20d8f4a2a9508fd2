// The inputs and outputs of the workloads' operations as they sit in
// history.jsonl (OpRecord.input / OpRecord.output). The workloads write
// them, the checks read them; a check never needs anything but the records
// (plus, for convergence and watches, what the run read back at the end).
//
// Every written value is unique within its key (`<client>.<seq>`), so a
// value names the one operation that wrote it. That is what lets a compare
// on mod_revision be checked as a compare on the value (register), and an
// appended element be traced to its append (append).

/** A key's value as a read returned it: null when the key is absent. */
export interface KvSeen {
  key: string;
  value: string | null;
  /** 0 when absent. */
  modRevision: number;
}

// ------------------------------------------------------ register / mixed

export type RegisterInput =
  /** `serializable`: served by one member alone (mixed only), not linearizable. */
  | { f: 'get'; key: string; serializable?: boolean }
  | { f: 'put'; key: string; value: string }
  | { f: 'delete'; key: string }
  /**
   * Put `value` if the key holds `expect` (null: absent). `compare` says how the txn tested it:
   * on the value itself, or on the mod revision `expectRevision` a read returned with `expect`.
   */
  | {
      f: 'cas';
      key: string;
      value: string;
      expect: string | null;
      compare: 'value' | 'mod';
      expectRevision?: number;
    }
  /** One txn putting several keys (mixed): atomic, one revision. */
  | { f: 'txn-put'; puts: { key: string; value: string }[] }
  /** Every key under `prefix` in one range; `final` for the read after healing. */
  | { f: 'read-all'; prefix: string; final?: boolean }
  /** Setup: starts the key space empty. */
  | { f: 'delete-prefix'; prefix: string };

export type RegisterOutput =
  | { value: string | null; modRevision: number } // get
  | { deleted: number } // delete, delete-prefix
  | { succeeded: boolean } // cas
  | { kvs: KvSeen[] } // read-all
  | Record<string, never>; // put, txn-put

// ------------------------------------------------------------------- bank

export type BankInput =
  | { f: 'delete-prefix'; prefix: string }
  /** Setup: every account starts at `balance`; the total is accounts × balance. */
  | { f: 'setup'; prefix: string; accounts: string[]; balance: number }
  /** Every account in one linearizable range. */
  | { f: 'read'; prefix: string; final?: boolean }
  /** A txn guarded by both accounts' mod revisions as a read returned them. */
  | {
      f: 'transfer';
      from: string;
      to: string;
      amount: number;
      fromRevision: number;
      toRevision: number;
    };

export interface BankReadOutput {
  balances: Record<string, number>;
  modRevisions: Record<string, number>;
}

// ----------------------------------------------------------------- append

export type AppendInput =
  | { f: 'delete-prefix'; prefix: string }
  | { f: 'read'; key: string }
  /** Appends `value` if the key's mod revision is still `expectRevision` (0: absent). */
  | { f: 'append'; key: string; value: string; expectRevision: number }
  | { f: 'read-all'; prefix: string; final?: boolean };

export interface AppendReadOutput {
  list: string[];
  modRevision: number;
}

/** How a list is stored in a value: its elements joined by commas. */
export const appendSeparator = ',';

export function parseList(value: string | null): string[] {
  return value === null || value === '' ? [] : value.split(appendSeparator);
}

// ------------------------------------------------------------------ watch

export type WatchWriteOp = { f: 'put'; key: string; value: string } | { f: 'delete'; key: string };

export type WatchInput =
  | WatchWriteOp
  | { f: 'txn'; ops: WatchWriteOp[] }
  /** Setup: starts the key space empty (before the history the watchers check). */
  | { f: 'delete-prefix'; prefix: string }
  /** The revision the run starts from (setup) or ends at (final). */
  | { f: 'revision'; prefix: string; final?: boolean };
