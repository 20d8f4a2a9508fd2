// The etcd v3 unary RPCs with the client's failover and retry rule, in
// their wire shapes (int64 as decimal strings): for code that prints or
// forwards responses as they are, such as `capstan ctl -w json`. Everyone
// else wants the typed methods of Client.

import type * as w from '../server/grpc/wire-types.js';
import type { ServiceName } from '../server/grpc/protos.js';
import { invoke, type CallOptions, type Invoker, type Safety } from './retry.js';

type Rpc<Req, Res> = (req: Req, o?: CallOptions) => Promise<Res>;

export interface WireApi {
  range: Rpc<w.RangeRequest<'out'>, w.RangeResponse<'in'>>;
  put: Rpc<w.PutRequest<'out'>, w.PutResponse<'in'>>;
  deleteRange: Rpc<w.DeleteRangeRequest<'out'>, w.DeleteRangeResponse<'in'>>;
  txn: Rpc<w.TxnRequest<'out'>, w.TxnResponse<'in'>>;
  compact: Rpc<w.CompactionRequest<'out'>, w.CompactionResponse<'in'>>;
  status: Rpc<w.StatusRequest<'out'>, w.StatusResponse<'in'>>;
  hashKV: Rpc<w.HashKVRequest<'out'>, w.HashKVResponse<'in'>>;
  alarm: Rpc<w.AlarmRequest<'out'>, w.AlarmResponse<'in'>>;
  defragment: Rpc<w.DefragmentRequest<'out'>, w.DefragmentResponse<'in'>>;
  moveLeader: Rpc<w.MoveLeaderRequest<'out'>, w.MoveLeaderResponse<'in'>>;
  memberList: Rpc<w.MemberListRequest<'out'>, w.MemberListResponse<'in'>>;
  memberAdd: Rpc<w.MemberAddRequest<'out'>, w.MemberAddResponse<'in'>>;
  memberRemove: Rpc<w.MemberRemoveRequest<'out'>, w.MemberRemoveResponse<'in'>>;
  memberPromote: Rpc<w.MemberPromoteRequest<'out'>, w.MemberPromoteResponse<'in'>>;
  memberUpdate: Rpc<w.MemberUpdateRequest<'out'>, w.MemberUpdateResponse<'in'>>;
  leaseGrant: Rpc<w.LeaseGrantRequest<'out'>, w.LeaseGrantResponse<'in'>>;
  leaseRevoke: Rpc<w.LeaseRevokeRequest<'out'>, w.LeaseRevokeResponse<'in'>>;
  leaseTimeToLive: Rpc<w.LeaseTimeToLiveRequest<'out'>, w.LeaseTimeToLiveResponse<'in'>>;
  leaseLeases: Rpc<w.LeaseLeasesRequest<'out'>, w.LeaseLeasesResponse<'in'>>;
}

/** Whether a wire txn puts or deletes anywhere (nested txns included). */
export function txnRequestWrites(t: w.TxnRequest<'out'>): boolean {
  return [...(t.success ?? []), ...(t.failure ?? [])].some(
    (o) =>
      o.request_put !== undefined ||
      o.request_delete_range !== undefined ||
      (o.request_txn !== undefined && txnRequestWrites(o.request_txn)),
  );
}

export function wireApi(inv: Invoker): WireApi {
  const rpc =
    <Req, Res>(service: ServiceName, method: string, safety: Safety): Rpc<Req, Res> =>
    (req, o) =>
      invoke<Req, Res>(inv, service, method, req, safety, o);
  return {
    range: rpc('KV', 'Range', 'safe'),
    put: rpc('KV', 'Put', 'unsafe'),
    deleteRange: rpc('KV', 'DeleteRange', 'unsafe'),
    txn: (req, o) => invoke(inv, 'KV', 'Txn', req, txnRequestWrites(req) ? 'unsafe' : 'safe', o),
    compact: rpc('KV', 'Compact', 'unsafe'),
    status: rpc('Maintenance', 'Status', 'safe'),
    hashKV: rpc('Maintenance', 'HashKV', 'safe'),
    alarm: (req, o) =>
      invoke(inv, 'Maintenance', 'Alarm', req, (req.action ?? 0) === 0 ? 'safe' : 'unsafe', o),
    defragment: rpc('Maintenance', 'Defragment', 'unsafe'),
    moveLeader: rpc('Maintenance', 'MoveLeader', 'unsafe'),
    memberList: rpc('Cluster', 'MemberList', 'safe'),
    memberAdd: rpc('Cluster', 'MemberAdd', 'unsafe'),
    memberRemove: rpc('Cluster', 'MemberRemove', 'unsafe'),
    memberPromote: rpc('Cluster', 'MemberPromote', 'unsafe'),
    memberUpdate: rpc('Cluster', 'MemberUpdate', 'unsafe'),
    leaseGrant: rpc('Lease', 'LeaseGrant', 'unsafe'),
    leaseRevoke: rpc('Lease', 'LeaseRevoke', 'unsafe'),
    leaseTimeToLive: rpc('Lease', 'LeaseTimeToLive', 'safe'),
    leaseLeases: rpc('Lease', 'LeaseLeases', 'safe'),
  };
}
