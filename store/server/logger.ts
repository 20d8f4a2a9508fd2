// pino, configured once per process: JSON lines with the member's name and
// id on every line; Raft decisions arrive through the core's RaftLogger with
// term and index fields.

import { pino, type Logger } from 'pino';
import type { RaftLogger } from '../raft/index.js';

export type { Logger };

export function createLogger(level: string, base: Record<string, unknown>): Logger {
  return pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime });
}

/** Adapts pino to the Raft core's logging interface. */
export function raftLogger(log: Logger): RaftLogger {
  return {
    debug: (fields, msg) => log.debug(fields, msg),
    info: (fields, msg) => log.info(fields, msg),
    warn: (fields, msg) => log.warn(fields, msg),
  };
}
