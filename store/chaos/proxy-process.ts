// The process that runs every link proxy of a fault run (network.ts starts
// it). Proxies get a process of their own so that peer traffic never waits
// on the runner's event loop — sixteen busy clients and a linearizability
// check would otherwise add their pauses to every heartbeat.
//
// It speaks over the IPC channel only (messages below) and exits when its
// parent goes away, so a killed run leaves no proxy behind.

import { SeededRandom } from '../raft/index.js';
import { LinkProxy, type LinkState } from './link-proxy.js';

export interface LinkSpec {
  /** `m1->m2` */
  key: string;
  targetPort: number;
}

export type ProxyRequest =
  | { id: number; op: 'create'; seed: number; links: LinkSpec[] }
  | { id: number; op: 'set'; keys: string[]; patch: Partial<LinkState> }
  | { id: number; op: 'heal' }
  | { id: number; op: 'counters' };

export type ProxyReply =
  | { id: number; ok: true; ports?: Record<string, number>; counters?: Record<string, number> }
  | { id: number; ok: false; error: string };

const links = new Map<string, LinkProxy>();
let random: () => number = Math.random;

async function handle(req: ProxyRequest): Promise<ProxyReply> {
  switch (req.op) {
    case 'create': {
      const rng = new SeededRandom(req.seed);
      random = () => rng.float();
      const ports: Record<string, number> = {};
      for (const l of req.links) {
        const proxy = new LinkProxy('127.0.0.1', l.targetPort, () => random());
        ports[l.key] = await proxy.listen();
        links.set(l.key, proxy);
      }
      return { id: req.id, ok: true, ports };
    }
    case 'set':
      for (const k of req.keys) {
        const link = links.get(k);
        if (!link) throw new Error(`no link ${k}`);
        link.set(req.patch);
      }
      return { id: req.id, ok: true };
    case 'heal':
      for (const link of links.values()) link.heal();
      return { id: req.id, ok: true };
    case 'counters': {
      const counters: Record<string, number> = { accepted: 0, resets: 0 };
      for (const l of links.values()) {
        counters['accepted']! += l.counters.accepted;
        counters['resets']! += l.counters.resets;
      }
      return { id: req.id, ok: true, counters };
    }
  }
}

process.on('message', (req: ProxyRequest) => {
  handle(req).then(
    (reply) => process.send?.(reply),
    (e: unknown) =>
      process.send?.({ id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
});
// The parent is gone (or closed the channel): nothing left to proxy for.
process.on('disconnect', () => process.exit(0));
