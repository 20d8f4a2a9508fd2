// The KV service (one file per RPC).

import type { KVHandlers } from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { learnerGuarded } from '../learner-guard.js';
import { compact } from './compact.js';
import { deleteRange } from './delete-range.js';
import { put } from './put.js';
import { range } from './range.js';
import { txn } from './txn.js';

export function kvService(ctx: ApiContext): KVHandlers {
  return learnerGuarded(ctx, {
    Range: range(ctx),
    Put: put(ctx),
    DeleteRange: deleteRange(ctx),
    Txn: txn(ctx),
    Compact: compact(ctx),
  });
}
