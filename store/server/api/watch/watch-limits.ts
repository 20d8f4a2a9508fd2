// Limits of the Watch service, units in their names. Tests shorten the
// progress interval; everything else keeps etcd's defaults where etcd has
// the same knob.

export interface WatchServiceLimits {
  /**
   * How often a watcher that asked for progress_notify and got no events
   * since the last time is sent the revision it has seen (etcd's
   * progressReportInterval: 10 minutes).
   */
  progressNotifyIntervalMs: number;
  /**
   * Encoded responses one stream may hold for a client that does not read
   * fast enough. Past it the stream refuses more events: its watchers leave
   * the synced group and catch up from history once it drains, so a slow
   * client costs bounded memory and never delays anyone else.
   */
  streamQueueBytesMax: number;
  /** Requests read from one stream and not yet handled beyond which reading pauses. */
  streamPendingRequestsMax: number;
}

export const watchServiceLimits: Readonly<WatchServiceLimits> = Object.freeze({
  progressNotifyIntervalMs: 10 * 60 * 1000,
  streamQueueBytesMax: 8 * 1024 * 1024,
  streamPendingRequestsMax: 1024,
});
