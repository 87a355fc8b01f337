// A logger that keeps what it writes, raw and parsed, for tests that read log lines.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../lib/log.ts';

export interface CapturedLog {
  log: Logger;
  /** Every line as written (JSON text). */
  raw: string[];
  /** Every line parsed. */
  lines(): Array<Record<string, unknown>>;
}

export function captureLog(level: 'trace' | 'debug' | 'info' | 'warn' = 'info', service?: string): CapturedLog {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.length > 0) raw.push(line);
      done();
    },
  });
  const log = createLogger(level, service === undefined ? sink : { destination: sink, service });
  return { log, raw, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
