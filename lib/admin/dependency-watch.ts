// Watches the database between scrapes: probes `SELECT 1` on an interval and says in the log, once, when it stops
// answering and, once, when it answers again and after how long. /readyz and the metrics only answer when asked; an
// operator reading the logs of an outage must see it there too, with the setting to check.
import type { Logger } from '../log.ts';
import { redactUrl } from '../log.ts';
import type { Pool } from '../store/pool.ts';
import { probeDatabase } from './readiness.ts';

export interface DependencyWatchOptions {
  pool: Pick<Pool, 'query'>;
  log: Logger;
  /** `database.url`, named in the log lines with its password masked; absent for the embedded database. */
  databaseUrl?: string;
  /** Between the end of one probe and the start of the next. */
  intervalMs?: number;
  /** A probe that takes longer counts as not answering. */
  timeoutMs?: number;
  now?: () => number;
}

export interface DependencyWatch {
  /** One probe; logs only on a change of state. */
  check(): Promise<void>;
  /** Probes every `intervalMs` until stopped (the timer does not keep the process alive). */
  start(): void;
  /** Stops probing and waits for a probe in progress. */
  stop(): Promise<void>;
}

export const DEFAULT_WATCH_INTERVAL_MS = 5000;

export function createDependencyWatch(options: DependencyWatchOptions): DependencyWatch {
  const { pool, log } = options;
  const intervalMs = options.intervalMs ?? DEFAULT_WATCH_INTERVAL_MS;
  const timeoutMs = options.timeoutMs ?? 2000;
  const now = options.now ?? Date.now;
  const where = options.databaseUrl
    ? { setting: 'database.url', url: redactUrl(options.databaseUrl) }
    : { setting: 'database.embedded_path' };
  let downSince: number | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;

  const check = async () => {
    const failure = await probeDatabase(pool, timeoutMs);
    if (failure !== null && downSince === null) {
      downSince = now();
      log.warn({ dependency: 'database', ...where, reason: failure.replace(/^database: /, '') }, 'database unreachable: events wait until it answers');
    } else if (failure === null && downSince !== null) {
      const downtimeSeconds = Math.round((now() - downSince) / 100) / 10;
      downSince = null;
      log.info({ dependency: 'database', ...where, downtime_seconds: downtimeSeconds }, `database reachable again after ${downtimeSeconds} s`);
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = check().finally(() => {
        running = null;
        schedule();
      });
    }, intervalMs);
    timer.unref();
  };

  return {
    check,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
