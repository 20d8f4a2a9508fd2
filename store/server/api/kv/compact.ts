// KV.Compact: proposed like a write; with `physical`, answered only once the
// compacted revisions are gone from the disk.

import { validateCompaction } from '../../../mvcc/index.js';
import type * as w from '../../grpc/wire-types.js';
import { revisionIn } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';

export function compact(ctx: ApiContext) {
  return unary<w.CompactionRequest<'in'>, w.CompactionResponse<'out'>>(
    ctx.log,
    'Compact',
    async (req) => {
      const c = { revision: revisionIn(req.revision), physical: req.physical };
      const invalid = validateCompaction(c);
      if (invalid) throw invalid;
      const res = await ctx.propose({ compaction: c });
      if (!('compaction' in res)) throw new Error('compaction answered with another response');
      if (req.physical) await res.compaction.physical;
      else
        res.compaction.physical.catch((err: unknown) => ctx.log.warn({ err }, 'compaction failed'));
      return { header: ctx.header(res.compaction.revision) };
    },
  );
}
