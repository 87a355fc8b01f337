// A HandlerEnvironment for step tests, built by the real composition root (lib/app/services.ts) from a config, with
// a producer that accepts everything. `close` closes the services, as the router does when it stops.
import type { RouterConfig } from '../../lib/config/schema.ts';
import type { HandlerEnvironment } from '../../lib/handlers/environment.ts';
import { createServices, type Services } from '../../lib/app/services.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import type { Pool } from '../../lib/store/pool.ts';
import type { Clock } from '../../lib/illustration/illustration-judge.ts';

export type TestEnvironment = HandlerEnvironment & { services: Services; close(): Promise<void> };

export function handlerEnvironment(config: RouterConfig, options: { pool?: Pool; log?: Logger; clock?: Clock } = {}): TestEnvironment {
  const log = options.log ?? silentLogger;
  const services = createServices(config, { log, ...(options.pool ? { pool: options.pool } : {}), ...(options.clock ? { clock: options.clock } : {}) });
  const producer = { produce: async () => ({ topic: '', partition: 0, offset: 0 }) };
  return {
    config,
    log,
    producer,
    producerFor: () => producer,
    store: services.store,
    mediawiki: services.mediawiki,
    extractor: services.extractor,
    illustration: services.illustration,
    services,
    close: () => services.close(),
  };
}
