// What the client logs through: a pino logger fits, as does anything with
// these two methods. Structured fields first, a fixed message second.

export interface ClientLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: ClientLogger = {
  debug: () => {},
  warn: () => {},
};
