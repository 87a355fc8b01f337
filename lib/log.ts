// The one logger: pino, JSON lines on stdout. Secrets are redacted by key wherever they appear.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

const REDACT = [
  'token',
  'password',
  '*.token',
  '*.password',
  'config.admin.token',
  'headers.authorization',
  '*.headers.authorization',
  'connectionString',
  '*.connectionString',
];

/** The `service` of every line unless config `service.name` says otherwise. */
export const DEFAULT_SERVICE_NAME = 'imagematching-router';

export interface LoggerOptions {
  /** Where the lines go (stdout by default). */
  destination?: NodeJS.WritableStream;
  /** The `service` field: config `service.name`, so several routers' logs can be told apart. */
  service?: string;
}

export function createLogger(level: LevelWithSilent = 'info', destinationOrOptions?: NodeJS.WritableStream | LoggerOptions): Logger {
  const { destination, service = DEFAULT_SERVICE_NAME }: LoggerOptions =
    destinationOrOptions === undefined || 'write' in destinationOrOptions ? { destination: destinationOrOptions } : destinationOrOptions;
  const options = {
    level,
    base: { service },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}

/** For tests and one-shot commands that must not print JSON noise. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for log lines that must name a URL. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '[unparseable url]';
  }
}
