// Peer URLs and the gRPC channel and server options of the peer transport.
//
// TLS between peers is not implemented yet: a peer URL must be http://, and
// an https:// one is refused with a clear error rather than silently used
// without encryption.

import type { ChannelOptions } from '@grpc/grpc-js';
import type { TransportLimits } from './limits.js';
import { dialTarget } from './peer-url-overrides.js';

/** `http://127.0.0.1:2380` → `127.0.0.1:2380`, the gRPC target (or its test-only override). */
export function peerUrlToTarget(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(
      `peer url ${JSON.stringify(url)} is not a URL (expected http://host:port)`,
    );
  }
  if (u.protocol === 'https:') {
    throw new RangeError(`peer url ${url}: TLS between peers is not supported yet; use http://`);
  }
  if (u.protocol !== 'http:') throw new RangeError(`peer url ${url}: scheme must be http://`);
  if (u.port === '') throw new RangeError(`peer url ${url}: a port is required`);
  if (u.pathname !== '/' || u.search !== '' || u.hash !== '') {
    throw new RangeError(`peer url ${url}: must not have a path, query or fragment`);
  }
  return dialTarget(u.host);
}

/** Options of the channel to one peer. */
export function peerChannelOptions(l: TransportLimits): ChannelOptions {
  return {
    'grpc.max_send_message_length': l.peerMaxMessageBytes,
    'grpc.max_receive_message_length': l.peerMaxMessageBytes,
    // Ping an idle or stuck connection so a peer that vanished without a FIN is noticed.
    'grpc.keepalive_time_ms': l.peerKeepaliveTimeMs,
    'grpc.keepalive_timeout_ms': l.peerKeepaliveTimeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    // The channel's own reconnection must not lag behind ours (its default waits up to 120 s).
    'grpc.initial_reconnect_backoff_ms': l.peerBackoffMinMs,
    'grpc.max_reconnect_backoff_ms': l.peerBackoffMaxMs,
    // We reconnect and Raft retransmits; gRPC's retry buffer would only hold stale messages.
    'grpc.enable_retries': 0,
    // One connection per transport and peer, not shared with other clients of the process.
    'grpc.use_local_subchannel_pool': 1,
  };
}

/** Options of the server that receives from peers. */
export function peerServerOptions(l: TransportLimits): ChannelOptions {
  return {
    'grpc.max_send_message_length': l.peerMaxMessageBytes,
    'grpc.max_receive_message_length': l.peerMaxMessageBytes,
    // The server pings too, so streams from a vanished peer are closed rather than held forever.
    'grpc.keepalive_time_ms': l.peerKeepaliveTimeMs,
    'grpc.keepalive_timeout_ms': l.peerKeepaliveTimeoutMs,
  };
}
