// The Maintenance service (one file per RPC).

import type { MaintenanceHandlers } from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { learnerGuarded } from '../learner-guard.js';
import { alarm } from './alarm.js';
import { defragment } from './defragment.js';
import { hash, hashKV } from './hash.js';
import { moveLeader } from './move-leader.js';
import { snapshot } from './snapshot.js';
import { status } from './status.js';

export function maintenanceService(ctx: ApiContext): MaintenanceHandlers {
  return learnerGuarded(ctx, {
    Alarm: alarm(ctx),
    Status: status(ctx),
    Defragment: defragment(ctx),
    Hash: hash(ctx),
    HashKV: hashKV(ctx),
    Snapshot: snapshot(ctx),
    MoveLeader: moveLeader(ctx),
  });
}
