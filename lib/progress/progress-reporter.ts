// Progress of long work (a file replay, a redrive, a migration, an import): on a terminal a redrawn bar with
// done/total, rate and ETA; otherwise a JSON log line at the first update (the work started), then at most every 10 s,
// and always one at the end, so logs stay quiet.
import cliProgress from 'cli-progress';
import type { Logger } from '../log.ts';

export interface ProgressReporter {
  /** `done` of `total` (when known); `counts` are shown beside them (e.g. dead-lettered so far). */
  update(done: number, total?: number, counts?: Readonly<Record<string, number>>): void;
  /** Stops the bar and logs the summary once; later calls do nothing. */
  finish(summary: Readonly<Record<string, unknown>>): void;
}

export interface ProgressOptions {
  /** What is being done, e.g. "replay", "redrive"; the bar's prefix and the log lines' `progress` field. */
  label: string;
  total?: number;
  /** Where the bar is drawn (stderr, so stdout keeps the command's own output). */
  stream: NodeJS.WritableStream;
  logger: Logger;
  /** Default: the stream's own isTTY. */
  isTTY?: boolean;
  /** Milliseconds; tests pass a fake clock. */
  now?: () => number;
  /** Least time between two JSON progress lines (default 10 s). */
  intervalMs?: number;
}

/** Rate (per second) and ETA (seconds, null when the total is unknown or nothing moved yet) of `done` after `elapsedMs`. */
export function progressFigures(done: number, total: number | undefined, elapsedMs: number): { rate: number; etaSeconds: number | null } {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const etaSeconds = total !== undefined && rate > 0 ? Math.max(0, Math.round((total - done) / rate)) : null;
  return { rate: Math.round(rate * 10) / 10, etaSeconds };
}

const countsText = (counts: Readonly<Record<string, number>> | undefined) =>
  Object.entries(counts ?? {}).map(([k, v]) => ` ${k} ${v}`).join('');

export function createProgressReporter(options: ProgressOptions): ProgressReporter {
  const now = options.now ?? (() => Date.now());
  const interval = options.intervalMs ?? 10_000;
  const isTTY = options.isTTY ?? (options.stream as { isTTY?: boolean }).isTTY === true;
  const started = now();
  let total = options.total;
  let done = 0;
  let counts: Readonly<Record<string, number>> | undefined;
  let lastLogged: number | null = null;
  let finished = false;
  let bar: cliProgress.SingleBar | null = null;

  const figures = () => progressFigures(done, total, now() - started);
  if (isTTY) {
    bar = new cliProgress.SingleBar(
      {
        stream: options.stream as NodeJS.WriteStream,
        // The stream may be a non-TTY in tests that ask for the bar anyway.
        noTTYOutput: true,
        notTTYSchedule: 1000,
        hideCursor: false,
        clearOnComplete: false,
        format: (_opts, params, payload: { label: string; counts: string; rateText: string; totalText: string; etaText: string }) =>
          `${payload.label} ${params.value.toLocaleString('en-US')}${payload.totalText}  ${payload.rateText}/s  ETA ${payload.etaText}${payload.counts}`,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total ?? 0, 0, payload());
  }

  function payload() {
    const { rate, etaSeconds } = figures();
    return {
      label: options.label,
      counts: countsText(counts),
      rateText: rate.toLocaleString('en-US'),
      totalText: total !== undefined ? ` / ${total.toLocaleString('en-US')}` : '',
      etaText: etaSeconds === null ? '?' : `${etaSeconds} s`,
    };
  }

  function logLine(message: string, extra: Record<string, unknown> = {}) {
    const { rate, etaSeconds } = figures();
    options.logger.info(
      { progress: options.label, done, ...(total !== undefined ? { total } : {}), perSecond: rate, ...(etaSeconds !== null ? { etaSeconds } : {}), ...(counts ?? {}), ...extra },
      message,
    );
  }

  return {
    update(value, newTotal, newCounts) {
      if (finished) return;
      done = value;
      if (newTotal !== undefined) total = newTotal;
      if (newCounts !== undefined) counts = newCounts;
      if (bar) {
        if (total !== undefined) bar.setTotal(total);
        bar.update(done, payload());
        return;
      }
      if (lastLogged !== null && now() - lastLogged < interval) return;
      lastLogged = now();
      logLine(`${options.label} progress`);
    },
    finish(summary) {
      if (finished) return;
      finished = true;
      if (bar) {
        bar.update(done, payload());
        bar.stop();
      }
      logLine(`${options.label} finished`, { seconds: Math.round((now() - started) / 100) / 10, summary });
    },
  };
}
