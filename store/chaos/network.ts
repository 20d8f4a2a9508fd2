// The network of a fault run: one link proxy per directed pair of members,
// run in a child process (proxy-process.ts), and the partitions expressed as
// sets of blocked links (docs/chaos.md).
//
//   const net = await LinkNetwork.start(['m1','m2','m3'], peerPortOf, seed);
//   net.overridesFor('m1')   // CAPSTAN_PEER_URL_OVERRIDES for member m1
//   await net.block([['m1','m2'], ['m2','m1']]);
//   await net.heal();

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LinkState } from './link-proxy.js';
import type { LinkSpec, ProxyReply, ProxyRequest } from './proxy-process.js';

export type Link = readonly [from: string, to: string];

const linkKey = (from: string, to: string): string => `${from}->${to}`;

/** How long the proxy process may take to answer one request. */
const proxyRequestTimeoutMs = 10_000;

export class LinkNetwork {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (r: ProxyReply) => void; reject: (e: Error) => void }
  >();
  private closed = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly names: readonly string[],
    private readonly peerPorts: ReadonlyMap<string, number>,
    private ports: Record<string, number> = {},
  ) {
    child.on('message', (reply: ProxyReply) => {
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      w.resolve(reply);
    });
    child.on('exit', (code, signal) => {
      const err = new Error(`link proxy process exited (${code ?? signal})`);
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    });
  }

  /** Starts the proxy process with a proxy for every ordered pair of `peerPorts`' members. */
  static async start(peerPorts: ReadonlyMap<string, number>, seed: number): Promise<LinkNetwork> {
    const entry = fileURLToPath(
      new URL(`./proxy-process${extensionOfThisFile()}`, import.meta.url),
    );
    const child = fork(entry, [], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // Out of the terminal's process group: Ctrl-C is for the runner, which
      // still needs its links to heal and check. It exits when the IPC
      // channel closes (the runner is gone).
      detached: true,
      env: Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !k.startsWith('CAPSTAN_')),
      ),
    });
    const names = [...peerPorts.keys()];
    const net = new LinkNetwork(child, names, peerPorts);
    try {
      const links: LinkSpec[] = [];
      for (const from of names) {
        for (const to of names) {
          if (from !== to) links.push({ key: linkKey(from, to), targetPort: peerPorts.get(to)! });
        }
      }
      const reply = await net.request({ id: 0, op: 'create', seed, links });
      net.ports = reply.ok ? (reply.ports ?? {}) : {};
      return net;
    } catch (e) {
      await net.close();
      throw e;
    }
  }

  /** CAPSTAN_PEER_URL_OVERRIDES for `member`: every peer reached through its own link. */
  overridesFor(member: string): string {
    return this.names
      .filter((n) => n !== member)
      .map((to) => `127.0.0.1:${this.peerPorts.get(to)}=127.0.0.1:${this.port(member, to)}`)
      .join(',');
  }

  port(from: string, to: string): number {
    const p = this.ports[linkKey(from, to)];
    if (p === undefined) throw new Error(`no link ${from}->${to}`);
    return p;
  }

  /** Blocks exactly these links (others keep their state). */
  async block(links: readonly Link[]): Promise<void> {
    await this.set(links, { blocked: true });
  }

  async set(links: readonly Link[], patch: Partial<LinkState>): Promise<void> {
    if (links.length === 0) return;
    await this.request({ id: 0, op: 'set', keys: links.map(([f, t]) => linkKey(f, t)), patch });
  }

  /** Every link, both ways. */
  allLinks(): Link[] {
    return this.names.flatMap((f) => this.names.filter((t) => t !== f).map((t) => [f, t] as const));
  }

  /** Every link healthy again. */
  async heal(): Promise<void> {
    await this.request({ id: 0, op: 'heal' });
  }

  async counters(): Promise<Record<string, number>> {
    const r = await this.request({ id: 0, op: 'counters' });
    return r.ok ? (r.counters ?? {}) : {};
  }

  private request(req: ProxyRequest): Promise<ProxyReply & { ok: true }> {
    if (this.closed) return Promise.reject(new Error('link network closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(
          new Error(
            `link proxy process did not answer ${req.op} within ${proxyRequestTimeoutMs} ms`,
          ),
        );
      }, proxyRequestTimeoutMs);
      this.waiting.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          if (r.ok) resolve(r);
          else reject(new Error(`link proxy: ${r.error}`));
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ ...req, id });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** `.ts` when running from sources (tsx), `.js` from dist/. */
export function extensionOfThisFile(): string {
  return import.meta.url.endsWith('.ts') ? '.ts' : '.js';
}
