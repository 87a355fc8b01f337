// `imagematching-router run`: starts the router and its admin API, stops both gracefully on SIGTERM/SIGINT (exit 0).
// A second signal during shutdown exits at once (exit 130): offsets of unfinished events stay uncommitted.
import { loadConfigFile } from '../config/load.ts';
import { createLogger } from '../log.ts';
import { Router } from '../app/router.ts';
import { createMetrics, PrometheusObserver } from '../metrics/index.ts';
import { attachAdmin, type AttachedAdmin } from '../admin/attach.ts';
import { applyHeapGrowth } from './heap-growth.ts';

export async function runCommand(opts: { config: string }): Promise<number> {
  const { config } = loadConfigFile(opts.config);
  const log = createLogger(config.log.level as Parameters<typeof createLogger>[0], { service: config.service.name });
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
  return await new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, 'shutting down');
      // The admin API stays up while the router drains, so /readyz reports "stopping" to the load balancer.
      router
        .stop()
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
        log.info('file source fully processed');
        onSignal('SIGTERM');
      }, 200);
    }
  });
}
