// The logger of a command that has read its config: config log.level, and service.name in every line.
import { createLogger, type Logger } from '../log.ts';
import type { RouterConfig } from '../config/schema.ts';

export function commandLogger(config: RouterConfig, destination?: NodeJS.WritableStream): Logger {
  return createLogger(config.log.level as Parameters<typeof createLogger>[0], { destination, service: config.service.name });
}
