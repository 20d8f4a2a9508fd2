// A minimal client for the etcd v3 API, over grpc-js: one endpoint,
// promises, wire shapes as the protos define them (int64 as decimal
// strings), no failover and no retries. Errors come back as EtcdError when
// the status is one of etcd's. Test harnesses and server-internal calls
// that want exactly one member use it; everything else should use the
// typed client (client.ts: failover, the retry rule, watch, leases, lock
// and election, bigint int64s).

import * as grpc from '@grpc/grpc-js';
import { etcdErrorFromStatus } from '../errors.js';
import { clientProtos } from '../server/grpc/protos.js';
import type * as w from '../server/grpc/wire-types.js';

type Unary<Req, Res> = (req: Req, timeoutMs?: number) => Promise<Res>;

export interface EtcdClient {
  readonly endpoint: string;
  range: Unary<w.RangeRequest<'out'>, w.RangeResponse<'in'>>;
  put: Unary<w.PutRequest<'out'>, w.PutResponse<'in'>>;
  deleteRange: Unary<w.DeleteRangeRequest<'out'>, w.DeleteRangeResponse<'in'>>;
  txn: Unary<w.TxnRequest<'out'>, w.TxnResponse<'in'>>;
  compact: Unary<w.CompactionRequest<'out'>, w.CompactionResponse<'in'>>;
  status: Unary<w.StatusRequest<'out'>, w.StatusResponse<'in'>>;
  hashKV: Unary<w.HashKVRequest<'out'>, w.HashKVResponse<'in'>>;
  moveLeader: Unary<w.MoveLeaderRequest<'out'>, w.MoveLeaderResponse<'in'>>;
  memberList: Unary<w.MemberListRequest<'out'>, w.MemberListResponse<'in'>>;
  memberAdd: Unary<w.MemberAddRequest<'out'>, w.MemberAddResponse<'in'>>;
  memberRemove: Unary<w.MemberRemoveRequest<'out'>, w.MemberRemoveResponse<'in'>>;
  memberPromote: Unary<w.MemberPromoteRequest<'out'>, w.MemberPromoteResponse<'in'>>;
  memberUpdate: Unary<w.MemberUpdateRequest<'out'>, w.MemberUpdateResponse<'in'>>;
  close(): void;
}

/** The default deadline of a request, as etcdctl's --command-timeout. */
export const defaultRequestTimeoutMs = 5000;

/** `endpoint` is host:port or http://host:port. */
export function etcdClient(endpoint: string): EtcdClient {
  const target = endpoint.replace(/^https?:\/\//, '').replace(/\/$/, '');
  const protos = clientProtos();
  const creds = grpc.credentials.createInsecure();
  const options = { 'grpc.max_receive_message_length': 2 ** 31 - 1 };
  const kv = new protos.clients.KV(target, creds, options);
  const cluster = new protos.clients.Cluster(target, creds, options);
  const maint = new protos.clients.Maintenance(target, creds, options);
  const call =
    <Req, Res>(client: grpc.Client, method: string): Unary<Req, Res> =>
    (req, timeoutMs = defaultRequestTimeoutMs) =>
      new Promise<Res>((resolve, reject) => {
        type Method = (
          req: Req,
          opts: grpc.CallOptions,
          cb: (err: grpc.ServiceError | null, res: Res) => void,
        ) => void;
        const fn = (client as unknown as Record<string, Method>)[method]!;
        fn.call(
          client,
          req,
          { deadline: Date.now() + timeoutMs },
          (err: grpc.ServiceError | null, res: Res) =>
            err ? reject(etcdErrorFromStatus(err) ?? err) : resolve(res),
        );
      });
  return {
    endpoint: target,
    range: call(kv, 'Range'),
    put: call(kv, 'Put'),
    deleteRange: call(kv, 'DeleteRange'),
    txn: call(kv, 'Txn'),
    compact: call(kv, 'Compact'),
    status: call(maint, 'Status'),
    hashKV: call(maint, 'HashKV'),
    moveLeader: call(maint, 'MoveLeader'),
    memberList: call(cluster, 'MemberList'),
    memberAdd: call(cluster, 'MemberAdd'),
    memberRemove: call(cluster, 'MemberRemove'),
    memberPromote: call(cluster, 'MemberPromote'),
    memberUpdate: call(cluster, 'MemberUpdate'),
    close() {
      kv.close();
      cluster.close();
      maint.close();
    },
  };
}

export function bytes(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}
