// Wires metrics and the admin API to a running Router the way `run` does (and tests do): readiness probes,
// scrape-time router state, and the admin server on admin.listen. One place, so tests exercise the real wiring.
import type { Logger } from '../log.ts';
import type { RouterConfig } from '../config/schema.ts';
import type { Pool } from '../store/pool.ts';
import type { AdminRule } from './server.ts';
import { producerSettings } from '../kafka/client-config.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { PrometheusObserver } from '../metrics/prometheus-observer.ts';
import { startAdminServer, type AdminServer } from './server.ts';
import { ClusterProbes, KafkaProbe, createReadinessCheck, kafkaProbeSettings, type ReadinessCheck } from './readiness.ts';
import { clusterKafkaConfig, clusterNames } from '../kafka/clusters.ts';
import { createDependencyWatch } from './dependency-watch.ts';

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
  /** How often the database is probed for the outage log lines (default 5 s). */
  watchIntervalMs?: number;
}

/** What the admin API needs of a running router (lib/app's Router fits): its config, its database and its rules. */
export interface AdminTarget {
  readonly config: RouterConfig;
  readonly pool: Pool;
  readonly consumers: readonly AdminRule[];
}

export async function attachAdmin(router: AdminTarget, options: AttachOptions): Promise<AttachedAdmin> {
  const { config } = router;
  const readiness = createReadinessCheck({
    pool: router.pool,
    // Only a Kafka-sourced router depends on Kafka; file and EventStreams replays run without it.
    kafka:
      config.source.type === 'kafka'
        ? new ClusterProbes(new Map(clusterNames(config.kafka).map((c) => [c, new KafkaProbe(kafkaProbeSettings(producerSettings(clusterKafkaConfig(config.kafka, c))))])))
        : undefined,
    rules: () => router.consumers,
  });
  options.metrics.setStateSource({ health: () => readiness.check(), rules: () => router.consumers });
  let server: AdminServer;
  try {
    server = await startAdminServer(options.listen ?? config.admin.listen, {
      log: options.log,
      rules: () => router.consumers,
      readiness,
      db: router.pool,
      token: options.token ?? config.admin.token,
      registry: options.metrics.registry,
      observer: options.observer,
    });
  } catch (err) {
    await readiness.close();
    throw err;
  }
  // Says in the log when the database stops and starts answering: readiness only answers when asked.
  const watch = createDependencyWatch({ pool: router.pool, log: options.log, databaseUrl: config.database.url || undefined, intervalMs: options.watchIntervalMs });
  watch.start();
  return {
    server,
    readiness,
    close: async () => {
      await watch.stop();
      await server.close();
      await readiness.close();
    },
  };
}
