// One member of a capstan store cluster: the Raft node, its log on disk, the
// mvcc state, the peer transport and the client API, started and stopped
// together. Everything a gRPC handler needs goes through this class.

import { randomInt } from 'node:crypto';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { RaftLogStore } from '../backend/index.js';
import { etcdError, isEtcdError } from '../errors.js';
import { registerLeaseForwarding, replicaLeases, type LeaseRequests } from '../lease/index.js';
import { limits, requestTimeoutMs } from '../limits.js';
import {
  LevelBackend,
  MvccStore,
  type Command,
  type CommandResponse,
  type Member,
  type MvccListener,
} from '../mvcc/index.js';
import type { ConfChangeType } from '../raft/index.js';
import { RawNode, SeededRandom, StateType, confChange, type NodeId } from '../raft/index.js';
import { GrpcTransport } from '../transport/grpc-transport.js';
import { createPeerServer, registerPeerService } from '../transport/peer-service.js';
import type { Transport } from '../transport/transport.js';
import { resolveIdentity, type Identity } from './bootstrap.js';
import type { ReplicaConfig } from './config.js';
import { proposalRefused } from './drop-errors.js';
import { encodeMemberChange, encodeProposal } from './envelope.js';
import { createLogger, raftLogger, type Logger } from './logger.js';
import { ProposalWaiters } from './proposals.js';
import { BackendQuota } from './quota.js';
import { RaftDriver } from './raft-driver.js';
import { ReadIndexer } from './read-index.js';
import { ReplicaStateMachine, type ApplyOutcome } from './state-machine.js';
import { headerOut } from './wire.js';
import type * as w from './grpc/wire-types.js';
import { startClientServer } from './client-server.js';
import type { ApiContext } from './api/context.js';
import type { SelfClient } from './api/lock/index.js';

export interface ReplicaOptions {
  logger?: Logger;
}

/** Delay before a member that applied its own removal stops, so its last messages get out (etcd waits too). */
const stopAfterRemovalMs = 1000;

export class Replica implements ApiContext {
  private stopping: Promise<void> | undefined;
  private clientServer: grpc.Server | undefined;
  /** This member's client of itself, for the Lock and Election services. */
  private selfClient: SelfClient | undefined;
  private peerServer: grpc.Server | undefined;
  /** Lease renewals and remaining TTLs (the lessor's timing half); set by start(). */
  leases!: LeaseRequests;
  /** The ports actually bound (useful when a URL asked for port 0). */
  clientPort = 0;
  peerPort = 0;

  private constructor(
    readonly cfg: ReplicaConfig,
    readonly log: Logger,
    readonly identity: Identity,
    readonly raftLog: RaftLogStore,
    readonly sm: ReplicaStateMachine,
    readonly node: RawNode,
    readonly driver: RaftDriver,
    readonly waiters: ProposalWaiters<ApplyOutcome>,
    readonly reads: ReadIndexer,
    private transportRef: { current: Transport | undefined },
    private readonly fanout: ListenerFanout,
  ) {}

  subscribe(listener: MvccListener): () => void {
    return this.fanout.add(listener);
  }

  private readonly leadershipWatchers = new Set<(leader: boolean) => void>();
  private wasLeader = false;

  peerActiveSinceMs(id: bigint): number | undefined {
    return this.transportRef.current?.activeSinceMs(id);
  }

  onLeadershipChange(fn: (leader: boolean) => void): () => void {
    this.leadershipWatchers.add(fn);
    return () => this.leadershipWatchers.delete(fn);
  }

  /** After every Ready: tells the watchers when leadership was gained or lost. */
  private noticeLeadership(): void {
    const leader = !this.stopping && this.isLeader();
    if (leader === this.wasLeader) return;
    this.wasLeader = leader;
    for (const fn of [...this.leadershipWatchers]) {
      try {
        fn(leader);
      } catch (err) {
        this.log.error({ err }, 'a leadership watcher failed');
      }
    }
  }

  get memberId(): bigint {
    return this.identity.memberId;
  }

  get clusterId(): bigint {
    return this.identity.clusterId;
  }

  get mvcc(): MvccStore {
    return this.sm.mvcc;
  }

  static async start(cfg: ReplicaConfig, options: ReplicaOptions = {}): Promise<Replica> {
    const baseLog = options.logger ?? createLogger(cfg.logLevel, { name: cfg.name });
    let log = baseLog;
    const memberDir = join(cfg.dataDir, 'member');
    await mkdir(memberDir, { recursive: true });
    const raftLog = await openOrExplain(
      () => RaftLogStore.open(join(memberDir, 'raft'), { logger: log }),
      cfg,
    );
    const backend = await openOrExplain(() => LevelBackend.open(join(memberDir, 'mvcc')), cfg);
    const fanout = new ListenerFanout();
    const mvcc = await MvccStore.open(backend, { listener: fanout });
    const identity = await resolveIdentity(cfg, raftLog, mvcc, log);
    // From here every line names the member (the core's own lines carry it, with term and index).
    log = baseLog.child({ member: identity.memberId.toString(16) });

    const waiters = new ProposalWaiters<ApplyOutcome>(requestTimeoutMs(cfg.electionTimeoutMs));
    const transportRef: { current: Transport | undefined } = { current: undefined };
    // The callbacks below run only once the replica exists.
    const self: { replica?: Replica } = {};
    const node = new RawNode({
      id: identity.memberId,
      storage: raftLog.storage,
      random: new SeededRandom(randomInt(2 ** 31)),
      electionTimeoutTicks: Math.round(cfg.electionTimeoutMs / cfg.heartbeatIntervalMs),
      heartbeatIntervalTicks: 1,
      appliedIndex: raftLog.storage.snapshot().metadata.index,
      maxMessageBytes: limits.maxRequestBytes,
      logger: raftLogger(baseLog),
    });
    const reads = new ReadIndexer(
      { readIndex: (ctx) => node.readIndex(ctx), appliedIndex: () => sm.appliedIndex() },
      cfg.electionTimeoutMs,
      identity.memberId.toString(16),
    );
    const sm: ReplicaStateMachine = new ReplicaStateMachine({
      selfId: identity.memberId,
      node: () => node,
      backend,
      mvcc,
      waiters,
      logger: log,
      onMembersChanged: (members) => self.replica?.syncPeers(members),
      onRemoved: () => self.replica?.onRemoved(),
    });
    const driver = new RaftDriver({
      node,
      log: raftLog,
      transport: () => transportRef.current!,
      sm,
      reads,
      logger: log,
      tickMs: cfg.heartbeatIntervalMs,
      snapshotCountEntries: cfg.snapshotCountEntries,
      snapshotCatchUpEntries: cfg.snapshotCatchUpEntries,
      onFatal: (err) => {
        log.fatal({ err }, 'the ready loop failed; stopping');
        self.replica?.failWith(err);
      },
      afterReady: () => self.replica?.noticeLeadership(),
    });
    const replica = new Replica(
      cfg,
      log,
      identity,
      raftLog,
      sm,
      node,
      driver,
      waiters,
      reads,
      transportRef,
      fanout,
    );
    self.replica = replica;
    replica.leases = replicaLeases(replica, cfg);
    await replica.listen();
    replica.syncPeers(sm.mvcc.members().length > 0 ? sm.mvcc.members() : identity.initialMembers);
    // A cluster of one need not wait an election timeout to lead (etcd
    // fast-forwards its clock the same way).
    const cs = node.status().confState;
    if (cs.voters.length === 1 && cs.voters[0] === identity.memberId) node.campaign();
    else {
      // With more members, start most of an election timeout in: a new or
      // restarted cluster elects within a tick or two instead of a second
      // (PreVote and the leader lease keep this from disturbing a cluster
      // that already has a leader).
      const ticks = Math.round(cfg.electionTimeoutMs / cfg.heartbeatIntervalMs);
      for (let i = 0; i < ticks - 2; i++) node.tick();
    }
    driver.start();
    replica.leases.start();
    log.info(
      {
        cluster: identity.clusterId.toString(16),
        client: replica.clientPort,
        peer: replica.peerPort,
        applied: sm.appliedIndex(),
        quotaBackendBytes: replica.quota.quotaBytes,
      },
      'capstan store started',
    );
    replica.publishAttributesSoon();
    return replica;
  }

  private async listen(): Promise<void> {
    const peerUrl = this.cfg.listenPeerUrls[0]!;
    const { server, port } = await createPeerServer(`${peerUrl.hostname}:${peerUrl.port}`);
    this.peerServer = server;
    this.peerPort = port;
    const transport = new GrpcTransport({
      id: this.memberId,
      clusterId: this.clusterId,
      handlers: {
        ...this.driver.handlers(),
        onRemovedFromCluster: () => this.onRemoved(),
        members: () =>
          this.mvcc.members().map((m) => ({
            id: m.id,
            name: m.name,
            peerUrls: m.peerUrls,
            clientUrls: m.clientUrls,
            isLearner: m.isLearner,
          })),
      },
      logger: this.log,
    });
    this.transportRef.current = transport;
    registerPeerService(server, transport);
    registerLeaseForwarding(server, this.leases);
    const client = await startClientServer(
      this,
      this.cfg.listenClientUrls[0]!,
      this.cfg.maxRequestBytes,
    );
    this.clientServer = client.server;
    this.clientPort = client.port;
    this.selfClient = client.selfClient;
  }

  /** Peer id → its URLs as last given to the transport. */
  private readonly peers = new Map<bigint, string>();

  /** Keeps the transport's peers equal to the member table. */
  syncPeers(members: readonly Member[]): void {
    const t = this.transportRef.current;
    if (!t) return;
    const want = new Map<bigint, readonly string[]>();
    for (const m of members) if (m.id !== this.memberId) want.set(m.id, m.peerUrls);
    for (const [id, urls] of want) {
      const key = urls.join(',');
      const had = this.peers.get(id);
      if (had === undefined) t.addPeer(id, urls);
      else if (had !== key) t.updatePeer(id, urls);
      this.peers.set(id, key);
    }
    for (const id of [...this.peers.keys()]) {
      if (want.has(id)) continue;
      t.removePeer(id);
      this.peers.delete(id);
    }
  }

  // ---- what the API uses ----

  header(revision: number): w.ResponseHeader<'out'> {
    return headerOut({
      clusterId: this.clusterId,
      memberId: this.memberId,
      revision,
      raftTerm: this.node.raft.term,
    });
  }

  /** Bytes of the state's database files on disk (etcd reports its bolt file's size). */
  async dbSizeBytes(): Promise<number> {
    const dir = join(this.cfg.dataDir, 'member', 'mvcc');
    let total = 0;
    for (const name of await readdir(dir)) {
      try {
        total += (await stat(join(dir, name))).size;
      } catch {
        // a file level removed meanwhile
      }
    }
    return total;
  }

  private quotaState: BackendQuota | undefined;

  /** The space quota (--quota-backend-bytes), made on first use. */
  get quota(): BackendQuota {
    this.quotaState ??= new BackendQuota({
      quotaBytes: this.cfg.quotaBackendBytes,
      memberId: this.memberId,
      readSizeBytes: () => this.dbSizeBytes(),
      alarms: () => this.mvcc.alarms(),
      propose: (command) => this.propose(command),
      log: this.log,
    });
    return this.quotaState;
  }

  isLeader(): boolean {
    return this.node.raft.state === StateType.Leader;
  }

  leader(): NodeId {
    return this.node.raft.lead;
  }

  /** Proposes a write and resolves with its result once this member applied it. */
  async propose(command: Command): Promise<CommandResponse> {
    this.assertRunning();
    const { id, result } = this.waiters.register();
    const data = encodeProposal({ proposer: this.memberId, requestId: id, command });
    if (data.length > this.cfg.maxRequestBytes) {
      this.waiters.reject(id, etcdError('RequestTooLarge'));
    } else {
      try {
        this.node.propose(data);
        this.driver.kick();
      } catch (e) {
        this.waiters.reject(id, proposalRefused(e) ?? e);
      }
    }
    return unwrap(await result);
  }

  /** Proposes a membership change; resolves with the member table once applied here. */
  async proposeMemberChange(type: ConfChangeType, member: Member): Promise<Member[]> {
    this.assertRunning();
    const { id, result } = this.waiters.register();
    const context = encodeMemberChange({ proposer: this.memberId, requestId: id, member });
    try {
      this.node.proposeConfChange(confChange(type, member.id, context));
      this.driver.kick();
    } catch (e) {
      this.waiters.reject(id, proposalRefused(e) ?? e);
    }
    unwrap(await result);
    return this.mvcc.members();
  }

  /** Resolves once local state reflects every write committed before the call (ReadIndex). */
  readBarrier(): Promise<void> {
    this.assertRunning();
    const p = this.reads.barrier();
    this.driver.kick();
    return p;
  }

  private assertRunning(): void {
    if (this.stopping) throw etcdError('Stopped');
  }

  /**
   * etcd publishes each member's name and client URLs through Raft once it
   * runs; until then other members list it as "unstarted".
   */
  private publishAttributesSoon(): void {
    const want = this.cfg.advertiseClientUrls.map((u) => u.toString().replace(/\/$/, ''));
    const attempt = async (): Promise<void> => {
      if (this.stopping) return;
      const me = this.mvcc.members().find((m) => m.id === this.memberId);
      if (me && me.name === this.cfg.name && me.clientUrls.join(',') === want.join(',')) return;
      if (!me) return void setTimeout(() => void attempt(), this.cfg.electionTimeoutMs).unref();
      try {
        await this.propose({
          memberUpsert: { member: { ...me, name: this.cfg.name, clientUrls: want } },
        });
      } catch (e) {
        if (!isEtcdError(e)) this.log.warn({ err: e }, 'publishing member attributes failed');
        setTimeout(() => void attempt(), this.cfg.electionTimeoutMs).unref();
      }
    };
    setTimeout(() => void attempt(), 0).unref();
  }

  private removed = false;

  private onRemoved(): void {
    if (this.removed) return;
    this.removed = true;
    this.log.warn({}, 'this member was removed from the cluster; stopping');
    setTimeout(() => void this.stop().then(() => this.tellStopped()), stopAfterRemovalMs).unref();
  }

  private tellStopped(): void {
    const fatal = this.fatal?.err;
    for (const w of this.stoppedWaiters.splice(0)) w({ fatal });
  }

  private fatal: { err: unknown } | undefined;
  private readonly stoppedWaiters: ((r: { fatal: unknown }) => void)[] = [];

  /** The replica cannot go on (its ready loop failed): stop, and say so to whoever waits. */
  failWith(err: unknown): void {
    this.fatal ??= { err };
    void this.stop().then(() => this.tellStopped());
  }

  /**
   * Resolves once the replica stopped by itself — removed from the cluster
   * (`fatal` undefined) or after a fatal error (`fatal` is the error) — so
   * the process can exit with the right code. Not resolved by stop() calls
   * from outside.
   */
  stoppedByItself(): Promise<{ fatal: unknown }> {
    return new Promise((resolve) => this.stoppedWaiters.push(resolve));
  }

  /**
   * Graceful stop: a leader first hands leadership to the most up-to-date
   * voter (so the cluster does not wait an election timeout), then servers,
   * the loop and the databases close.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    await this.transferLeadershipBeforeStop();
    this.leases.stop();
    this.selfClient?.close();
    this.clientServer?.forceShutdown();
    await this.driver.stop();
    await this.transportRef.current?.close();
    this.peerServer?.forceShutdown();
    this.waiters.rejectAll(etcdError('Stopped'));
    this.reads.rejectAll(etcdError('Stopped'));
    await this.sm.mvcc.close();
    await this.raftLog.close();
    this.log.info({}, 'capstan store stopped');
  }

  private async transferLeadershipBeforeStop(): Promise<void> {
    if (!this.isLeader()) return;
    const progress = this.node.status().progress;
    let best: NodeId | undefined;
    let bestMatch = -1;
    for (const [id, pr] of progress ?? []) {
      if (id === this.memberId || pr.isLearner) continue;
      if (pr.match > bestMatch) [best, bestMatch] = [id, pr.match];
    }
    if (best === undefined) return;
    try {
      this.node.transferLeader(best);
      this.driver.kick();
    } catch {
      return;
    }
    const deadline = Date.now() + this.cfg.electionTimeoutMs;
    while (this.isLeader() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, this.cfg.heartbeatIntervalMs / 2));
    }
    this.log.info(
      { to: best.toString(16), transferred: !this.isLeader() },
      'leadership handed over before stopping',
    );
  }
}

/** One MvccListener that forwards to many (listeners must not throw: they run inside apply). */
class ListenerFanout implements MvccListener {
  private readonly listeners = new Set<MvccListener>();

  add(listener: MvccListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onEvents: NonNullable<MvccListener['onEvents']> = (revisions) => {
    for (const l of this.listeners) l.onEvents?.(revisions);
  };

  onLeases: NonNullable<MvccListener['onLeases']> = (changes) => {
    for (const l of this.listeners) l.onLeases?.(changes);
  };

  onRestored: NonNullable<MvccListener['onRestored']> = (store) => {
    for (const l of this.listeners) l.onRestored?.(store);
  };

  onRestoring: NonNullable<MvccListener['onRestoring']> = () => {
    for (const l of this.listeners) l.onRestoring?.();
  };
}

function unwrap(outcome: ApplyOutcome): CommandResponse {
  if (!outcome.ok) throw outcome.error;
  return outcome.response;
}

async function openOrExplain<T>(open: () => Promise<T>, cfg: ReplicaConfig): Promise<T> {
  try {
    return await open();
  } catch (e) {
    const text = String((e as { cause?: unknown })?.cause ?? e);
    if (text.includes('LOCK') || text.includes('LEVEL_LOCKED')) {
      throw new Error(`data dir ${cfg.dataDir} is in use by another capstan process`, { cause: e });
    }
    throw e;
  }
}
