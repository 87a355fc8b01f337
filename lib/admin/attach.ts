// Wires metrics and the admin API to a running Router the way `run` does (and tests do): readiness probes,
// scrape-time router state, and the admin server on admin.listen. One place, so tests exercise the real wiring.
import type { Logger } from '../log.ts';
import type { RouterConfig } from '../config/schema.ts';
import type { Pool } from '../store/pool.ts';
import type { AdminReloads, AdminRule } from './server.ts';
import { producerSettings } from '../kafka/client-config.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { PrometheusObserver } from '../metrics/prometheus-observer.ts';
import { HttpError, startAdminServer, type AdminServer } from './server.ts';
import { ClusterProbes, KafkaProbe, createReadinessCheck, kafkaProbeSettings, type Health, type ReadinessCheck } from './readiness.ts';
import { ConfigError } from '../errors.ts';
import { createDependencyWatch } from './dependency-watch.ts';
import { clusterKafkaConfig, clusterNames } from '../kafka/clusters.ts';

export interface AttachedAdmin {
  server: AdminServer;
  readiness: ReadinessCheck;
  close(): Promise<void>;
}

export interface AttachOptions {
  log: Logger;
  metrics: Metrics;
  observer: PrometheusObserver;
  /** Defaults to the router's config (admin.listen, admin.token). */
  listen?: string;
  token?: string;
  /** For attachAdmin: the reloads POST /v1/reload starts. */
  reloads?: AdminReloads;
  /** How often the database is probed for the outage log lines (default 5 s). */
  watchIntervalMs?: number;
}

/** What the admin API needs of a running router (lib/app's Router fits): its config, its database and its rules. */
export interface AdminTarget {
  readonly config: RouterConfig;
  readonly pool: Pool;
  readonly consumers: readonly AdminRule[];
}

/** The admin API listening before the router exists: /readyz answers 503 "starting" until a router is attached. */
export interface BoundAdmin {
  readonly server: AdminServer;
  /** Serve this router (and its reloads) from now on; close() of the result closes the server too. */
  attach(router: AdminTarget, reloads?: AdminReloads): AttachedAdmin;
  close(): Promise<void>;
}

const STARTING: Health = { kafka: null, database: false, reasons: ['router starting'], starting: true };

// The errors of a listen that a different admin.listen (or permission) fixes: configuration, not a crash.
const BIND_ERRORS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Listens on admin.listen first, so a busy or forbidden address stops `run` before anything is consumed: such a
 * failure is a ConfigError naming the code and the address (exit 2).
 */
export async function bindAdmin(config: RouterConfig, options: AttachOptions): Promise<BoundAdmin> {
  let attached: { router: AdminTarget; readiness: ReadinessCheck; reloads: AdminReloads | null } | null = null;
  const listen = options.listen ?? config.admin.listen;
  let server: AdminServer;
  try {
    server = await startAdminServer(listen, {
      log: options.log,
      rules: () => attached?.router.consumers ?? [],
      readiness: { check: () => (attached ? attached.readiness.check() : Promise.resolve(STARTING)) },
      db: {
        query: (text, values) => {
          if (!attached) return Promise.reject(new HttpError(503, 'starting: the router is not running yet'));
          return attached.router.pool.query(text, values);
        },
      },
      token: options.token ?? config.admin.token,
      registry: options.metrics.registry,
      reloads: () => attached?.reloads ?? null,
      observer: options.observer,
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined && BIND_ERRORS.has(code)) throw new ConfigError('admin.listen', `cannot listen on ${listen}: ${code}`);
    throw err;
  }
  let watch: ReturnType<typeof createDependencyWatch> | null = null;
  const close = async () => {
    await watch?.stop();
    await server.close();
    await attached?.readiness.close();
  };
  return {
    server,
    close,
    attach(router, reloads) {
      const readiness = routerReadiness(router);
      attached = { router, readiness, reloads: reloads ?? null };
      options.metrics.setStateSource({ health: () => readiness.check(), rules: () => router.consumers });
      // Says in the log when the database stops and starts answering: readiness only answers when asked.
      watch = createDependencyWatch({ pool: router.pool, log: options.log, databaseUrl: router.config.database.url || undefined, intervalMs: options.watchIntervalMs });
      watch.start();
      return { server, readiness, close };
    },
  };
}

function routerReadiness(router: AdminTarget): ReadinessCheck {
  const { config } = router;
  return createReadinessCheck({
    pool: router.pool,
    // Only a Kafka-sourced router depends on Kafka; file and EventStreams replays run without it.
    kafka:
      config.source.type === 'kafka'
        ? new ClusterProbes(new Map(clusterNames(config.kafka).map((c) => [c, new KafkaProbe(kafkaProbeSettings(producerSettings(clusterKafkaConfig(config.kafka, c))))])))
        : undefined,
    rules: () => router.consumers,
  });
}

/** Binds and attaches at once, for a router that is already running (tests). */
export async function attachAdmin(router: AdminTarget, options: AttachOptions): Promise<AttachedAdmin> {
  return (await bindAdmin(router.config, options)).attach(router, options.reloads);
}
