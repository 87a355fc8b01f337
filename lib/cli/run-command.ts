// `imagematching-router run`: starts the router and its admin API, stops both gracefully on SIGTERM/SIGINT (exit 0).
// A second signal during shutdown exits at once (exit 130): offsets of unfinished events stay uncommitted.
// SIGHUP reloads the rules (as POST /v1/reload does): what changed is swapped in, an invalid set keeps the old one.
import { loadConfigFile } from '../config/load.ts';
import { commandLogger } from './command-logger.ts';
import { Router, loadEnabledRules } from '../app/router.ts';
import { handlers } from '../handlers/registry.ts';
import { createMetrics, PrometheusObserver } from '../metrics/index.ts';
import { bindAdmin, type AttachedAdmin } from '../admin/attach.ts';
import { applyHeapGrowth } from './heap-growth.ts';
import { watchParent } from './parent-watch.ts';
import { RuleReloads } from '../app/rule-reloads.ts';
import { checkInputPaths } from './input-paths.ts';
import { startReplayProgress } from './replay-progress.ts';
import { logRunSummary, runSummary } from './run-summary.ts';

export async function runCommand(opts: { config: string }): Promise<number> {
  const { config } = loadConfigFile(opts.config);
  // Offline checks of the config (input paths exist), before any side effect: a ConfigError exits 2.
  checkInputPaths(config);
  const log = commandLogger(config);
  log.info({ heapGrowth: applyHeapGrowth(config.memory.heap_growth_percent) }, 'memory settings');
  const metrics = createMetrics();
  const observer = new PrometheusObserver(metrics);

  // Signals: handled from the start, so one that arrives while the router starts stops it once it has started.
  let router: Router | null = null;
  let admin: AttachedAdmin | null = null;
  let stopRequested: string | null = null;
  let progress: ReturnType<typeof startReplayProgress> = null;
  let summarize: (reason: string) => void = () => {};
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (finish = resolve));
  /** `reason`: the signal, 'parent gone', or 'input fully processed' (a replay's end, no signal sent). */
  const shutdown = (reason: string) => {
    if (stopRequested !== null) {
      log.warn({ reason }, 'second signal: exiting now');
      process.exit(130);
    }
    stopRequested = reason;
    log.info(/^SIG/.test(reason) ? { signal: reason, reason: `signal ${reason}` } : { reason }, 'shutting down');
    if (router) drain(router);
  };
  const drain = (running: Router) => {
    // The admin API stays up while the router drains, so /readyz reports "stopping" to the load balancer.
    const reason = stopRequested ?? 'stopped';
    (progress?.finish() ?? Promise.resolve())
      .then(() => running.stop())
      .then(() => summarize(reason))
      .finally(() => admin?.close())
      .then(
        () => finish(0),
        (err) => {
          log.error({ err: (err as Error).message }, 'shutdown failed');
          finish(1);
        },
      );
  };
  const onSignal = (signal: NodeJS.Signals) => shutdown(signal);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let reloads: RuleReloads | null = null;
  let reloadRequested = false;
  const onHangup = () => {
    if (stopRequested !== null) log.warn('SIGHUP during shutdown: no reload');
    else if (reloads) void reloads.reload('SIGHUP');
    // Before the router runs: it reloads once it has started, so a rule file changed meanwhile is not missed.
    else reloadRequested = true;
  };
  process.on('SIGHUP', onHangup);
  const unwatch = watchParent({
    env: process.env,
    ppid: () => process.ppid,
    onOrphaned: ({ startedBy, parent, now }) => {
      log.warn({ startedBy, parent, now }, 'parent process gone (npm passed no signal on): shutting down as on SIGTERM');
      shutdown('parent gone');
    },
  });
  try {
    // Order: rules checked, admin API bound, router started, admin attached. A bad rule set or a busy admin.listen
    // fails here, before anything is consumed.
    loadEnabledRules(config, handlers);
    const bound = await bindAdmin(config, { log: log.child({ component: 'admin' }), metrics, observer });
    let started: Router;
    try {
      started = await Router.start(config, { log, observer, io: observer });
    } catch (err) {
      await bound.close();
      throw err;
    }
    reloads = new RuleReloads(started, { log, metrics });
    admin = bound.attach(started, reloads);
    // Progress and summary: a file replay's progress (stderr), and every run's summary as it ends.
    const startedAt = Date.now();
    progress = startReplayProgress(config, started, observer, { logger: log, stream: process.stderr });
    summarize = (reason: string) =>
      logRunSummary(runSummary(started.consumers.map((c) => c.name), observer, reason, (Date.now() - startedAt) / 1000), log, process.stderr, process.stderr.isTTY === true);
    router = started;
    if (stopRequested !== null) drain(router);
    else if (reloadRequested) void reloads.reload('SIGHUP');
    if (config.source.type === 'file' && !config.source.file.follow) {
      // A replay or backfill ends when every line is read and every event finished (or parked).
      const poll = setInterval(() => {
        if (!started.drained || stopRequested !== null) return;
        clearInterval(poll);
        shutdown('input fully processed');
      }, 200);
    }
    return await finished;
  } finally {
    unwatch();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onHangup);
  }
}
