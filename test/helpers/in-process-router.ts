// Runs a Router in the test process with metrics and the admin API attached exactly as `run` attaches them,
// so tests can scrape /metrics, call the admin routes and look at the RuleConsumers directly.
import { loadConfigFile } from '../../lib/config/load.ts';
import { createLogger, silentLogger, type Logger } from '../../lib/log.ts';
import { Router } from '../../lib/app/router.ts';
import { createMetrics, PrometheusObserver, type Metrics } from '../../lib/metrics/index.ts';
import { attachAdmin, type AttachedAdmin } from '../../lib/admin/attach.ts';
import { RuleReloads } from '../../lib/app/rule-reloads.ts';

export interface InProcessRouter {
  router: Router;
  metrics: Metrics;
  observer: PrometheusObserver;
  admin: AttachedAdmin;
  /** Reloads as SIGHUP and POST /v1/reload start them. */
  reloads: RuleReloads;
  /** http://127.0.0.1:<port> of the admin API. */
  url: string;
  stop(): Promise<void>;
}

export async function startInProcessRouter(configFile: string, options: { token?: string; log?: Logger; watchIntervalMs?: number } = {}): Promise<InProcessRouter> {
  const { config } = loadConfigFile(configFile);
  const log = options.log ?? (process.env.TEST_LOG_LEVEL ? createLogger(process.env.TEST_LOG_LEVEL as 'debug') : silentLogger);
  const metrics = createMetrics();
  const observer = new PrometheusObserver(metrics);
  const router = await Router.start(config, { log, observer, io: observer });
  // Port 0: parallel test files never collide on admin.listen.
  const reloads = new RuleReloads(router, { log, metrics });
  const admin = await attachAdmin(router, { log, metrics, observer, listen: '127.0.0.1:0', token: options.token, reloads, watchIntervalMs: options.watchIntervalMs });
  return {
    router,
    metrics,
    observer,
    admin,
    reloads,
    url: `http://127.0.0.1:${admin.server.port}`,
    async stop() {
      await router.stop();
      await admin.close();
    },
  };
}
