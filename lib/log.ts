// One structured logger for the whole project (pino): levels, and child loggers carrying
// pod/container keys so every line can be filtered by the object it is about.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, level = process.env['NODELET_LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ name, level, base: { component: name } });
}

/** A logger that drops everything, for tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
