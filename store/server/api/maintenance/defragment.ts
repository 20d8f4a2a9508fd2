// Maintenance.Defragment: level (LevelDB) compacts its files continuously,
// so there is nothing to do, and the answer is immediate — and empty, as
// etcd's (no header).

import type * as w from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';

export function defragment(ctx: ApiContext) {
  return unary<w.DefragmentRequest<'in'>, w.DefragmentResponse<'out'>>(
    ctx.log,
    'Defragment',
    async () => ({}),
  );
}
