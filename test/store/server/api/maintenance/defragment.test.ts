// Maintenance.Defragment compacts this member's database, then has the
// space quota measure it again at once (so writes find the room right
// away), and answers etcd's empty response.

import assert from 'node:assert/strict';
import test from 'node:test';
import type { ApiContext } from '../../../../../store/server/api/context.js';
import { defragment } from '../../../../../store/server/api/maintenance/defragment.js';
import { createLogger } from '../../../../../store/server/logger.js';

type Handler = (call: { request: object }, cb: (err: unknown, res: unknown) => void) => void;

function call(handler: unknown, request: object): Promise<unknown> {
  return new Promise((resolve, reject) =>
    (handler as Handler)({ request }, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

test('defragments, then refreshes the measured size, then answers {}', async () => {
  const steps: string[] = [];
  const ctx = {
    log: createLogger('silent', {}),
    mvcc: {
      defragment: async () => {
        await new Promise((r) => setTimeout(r, 10));
        steps.push('defragment');
      },
    },
    quota: {
      size: {
        refresh: () => {
          steps.push('refresh');
          return Promise.resolve(100);
        },
      },
    },
  } as unknown as ApiContext;
  assert.deepEqual(await call(defragment(ctx), {}), {});
  assert.deepEqual(steps, ['defragment', 'refresh']);
});

test('a failed defragmentation is an error, not an empty answer', async () => {
  const ctx = {
    log: createLogger('silent', {}),
    mvcc: { defragment: () => Promise.reject(new Error('disk full')) },
    quota: { size: { refresh: () => Promise.resolve(0) } },
  } as unknown as ApiContext;
  await assert.rejects(call(defragment(ctx), {}), { details: 'capstan: internal error' });
});
