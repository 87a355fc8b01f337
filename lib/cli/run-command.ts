// `imagematching-router run`: starts the router and its admin API, stops both gracefully on SIGTERM/SIGINT (exit 0).
// A second signal during shutdown exits at once (exit 130): offsets of unfinished events stay uncommitted.
import { loadConfigFile } from '../config/load.ts';
import { createLogger } from '../log.ts';
import { Router } from '../app/router.ts';
import { createMetrics, PrometheusObserver } from '../metrics/index.ts';
import { attachAdmin, type AttachedAdmin } from '../admin/attach.ts';
import { applyHeapGrowth } from './heap-growth.ts';
import { checkInputPaths } from './input-paths.ts';
import { startReplayProgress } from './replay-progress.ts';
import { logRunSummary, runSummary } from './run-summary.ts';

export async function runCommand(opts: { config: string }): Promise<number> {
  const { config } = loadConfigFile(opts.config);
  // Offline checks of the config (input paths exist), before any side effect: a ConfigError exits 2.
  checkInputPaths(config);
  const log = createLogger(config.log.level as Parameters<typeof createLogger>[0]);
  log.info({ heapGrowth: applyHeapGrowth(config.memory.heap_growth_percent) }, 'memory settings');
  const metrics = createMetrics();
  const observer = new PrometheusObserver(metrics);
  const router = await Router.start(config, { log, observer, io: observer });
  let admin: AttachedAdmin;
  try {
    admin = await attachAdmin(router, { log: log.child({ component: 'admin' }), metrics, observer });
  } catch (err) {
    // Without its admin API the router cannot be observed or probed: do not run blind.
    log.error({ err: (err as Error).message, listen: config.admin.listen }, 'admin API failed to start');
    await router.stop();
    return 1;
  }
  // Progress and summary: a file replay's progress (stderr), and every run's summary as it ends.
  const startedAt = Date.now();
  const progress = startReplayProgress(config, router, observer, { logger: log, stream: process.stderr });
  const summarize = (reason: string) =>
    logRunSummary(runSummary(router.consumers.map((c) => c.name), observer, reason, (Date.now() - startedAt) / 1000), log, process.stderr, process.stderr.isTTY === true);
  return await new Promise<number>((resolve) => {
    let stopping = false;
    /** `signal` null: the input was fully processed (a replay's end), no signal was sent. */
    const onSignal = (signal: NodeJS.Signals | null) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      const reason = signal === null ? 'input fully processed' : `signal ${signal}`;
      log.info(signal === null ? { reason } : { signal, reason }, 'shutting down');
      // The admin API stays up while the router drains, so /readyz reports "stopping" to the load balancer.
      (progress?.finish() ?? Promise.resolve())
        .then(() => router.stop())
        .then(() => summarize(reason))
        .finally(() => admin.close())
        .then(
          () => resolve(0),
          (err) => {
            log.error({ err: (err as Error).message }, 'shutdown failed');
            resolve(1);
          },
        );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    if (config.source.type === 'file' && !config.source.file.follow) {
      // A replay or backfill ends when every line is read and every event finished (or parked).
      const poll = setInterval(() => {
        if (!router.drained || stopping) return;
        clearInterval(poll);
        onSignal(null);
      }, 200);
    }
  });
}
