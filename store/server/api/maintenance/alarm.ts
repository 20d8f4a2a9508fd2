// Maintenance.Alarm. capstan raises no alarms yet (the space quota and
// corruption checks that raise them come later), so the list is empty and
// disarming is a no-op; raising one by hand is refused explicitly. The
// answer has no header: etcd's applier builds the AlarmResponse and its
// maintenance server returns it as it is.

import { status as grpcStatus } from '@grpc/grpc-js';
import { GrpcStatusError } from '../../../errors.js';
import { AlarmAction } from '../../grpc/wire-types.js';
import type * as w from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';

export function alarm(ctx: ApiContext) {
  return unary<w.AlarmRequest<'in'>, w.AlarmResponse<'out'>>(ctx.log, 'Alarm', async (req) => {
    if (req.action === AlarmAction.ACTIVATE) {
      throw new GrpcStatusError(
        grpcStatus.UNIMPLEMENTED,
        'capstan: raising alarms is not supported',
      );
    }
    return { alarms: [] };
  });
}
