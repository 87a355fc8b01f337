// The composition root: from a configuration, the running router. Rules are loaded and checked first (before any
// side effect), then the database is migrated, the shared services and sinks are built once, every step gets them
// through its HandlerEnvironment, and each rule gets its consumer group. `stop` closes it all, in reverse.
import type { Logger } from '../log.ts';
import type { RouterConfig } from '../config/schema.ts';
import { loadRules, formatProblem } from '../rules/load.ts';
import { compileRule } from '../rules/compile.ts';
import type { ResolvedRule } from '../rules/schema.ts';
import { handlers as defaultHandlers, type AnyHandler } from '../handlers/registry.ts';
import type { HandlerEnvironment } from '../handlers/environment.ts';
import type { MessageSink } from '../messaging/message.ts';
import type { Pool } from '../store/pool.ts';
import { migrate } from '../store/migrate.ts';
import { ensureDatabase } from '../store/ensure-database.ts';
import { RuleConsumer } from '../engine/rule-consumer.ts';
import { noopObserver, type EngineObserver } from '../engine/observer.ts';
import { streamResolver } from '../engine/topics.ts';
import type { RunnableStep } from '../engine/run-chain.ts';
import { conditionalStep } from '../engine/conditional-step.ts';
import { compileMatcher } from '../rules/matcher.ts';
import type { IoObserver } from '../observe/io-observer.ts';
import { createServices, type Services } from './services.ts';
import { openSinks, unknownClusters, type Sinks } from './sinks.ts';
import { createSource, sourceTopicsFor } from './sources.ts';

export class RuleLoadError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid rules:\n${problems.join('\n')}`);
    this.name = 'RuleLoadError';
  }
}

export interface RouterOptions {
  log: Logger;
  observer?: EngineObserver;
  /** Receives MediaWiki request and database write measurements. */
  io?: IoObserver;
  handlers?: ReadonlyMap<string, AnyHandler>;
}

/** The enabled rules of the config, or a RuleLoadError naming every problem (files, lines, unknown clusters). */
export function loadEnabledRules(config: RouterConfig, registry: ReadonlyMap<string, AnyHandler>, log?: Logger): ResolvedRule[] {
  const { rules, problems } = loadRules(config.rules.paths, registry);
  if (problems.length > 0) throw new RuleLoadError(problems.map(formatProblem));
  const enabled = rules.filter((r) => r.enabled);
  if (config.source.type === 'kafka') {
    const unknown = unknownClusters(config, enabled);
    if (unknown.length > 0) throw new RuleLoadError(unknown);
  }
  if (enabled.length === 0) log?.warn({ paths: config.rules.paths }, 'no enabled rules: the router will consume nothing');
  return enabled;
}

export class Router {
  readonly consumers: RuleConsumer[] = [];
  private readonly closers: Array<() => Promise<void>> = [];

  private constructor(
    readonly config: RouterConfig,
    readonly services: Services,
    private readonly sinks: Sinks,
    private readonly log: Logger,
  ) {}

  /** The database pool the state lives in (the admin API reads through it). */
  get pool(): Pool {
    return this.services.pool;
  }

  get producer(): MessageSink {
    return this.sinks.producer;
  }

  static async start(config: RouterConfig, options: RouterOptions): Promise<Router> {
    const log = options.log;
    const registry = options.handlers ?? defaultHandlers;
    const enabled = loadEnabledRules(config, registry, log);

    if (config.database.migrate_on_start && config.database.url) await ensureDatabase(config.database.url);
    const services = createServices(config, { log, ...(options.io ? { io: options.io } : {}) });
    let sinks: Sinks;
    try {
      if (config.database.migrate_on_start) {
        const result = await migrate(services.pool);
        if (result.applied.length > 0) log.info({ applied: result.applied.map((m) => m.name) }, 'database migrated');
      }
      sinks = await openSinks(config, enabled, log);
    } catch (err) {
      await services.close();
      throw err;
    }
    const router = new Router(config, services, sinks, log);
    const env: HandlerEnvironment = {
      config,
      log,
      producer: sinks.producer,
      producerFor: sinks.producerFor,
      store: services.store,
      mediawiki: services.mediawiki,
      extractor: services.extractor,
      illustration: services.illustration,
    };
    try {
      router.build(enabled, registry, env, options.observer ?? noopObserver);
    } catch (err) {
      await sinks.close();
      await services.close();
      throw err;
    }
    // Steps first, then the sinks their events were parked through, then the shared services they used.
    router.closers.push(() => sinks.close(), () => services.close());
    await Promise.all(router.consumers.map((c) => c.start()));
    log.info({ rules: router.consumers.map((c) => ({ rule: c.name, topics: c.topics })) }, 'router started');
    return router;
  }

  /** One consumer per enabled rule, its steps created with the shared environment. */
  private build(enabled: readonly ResolvedRule[], registry: ReadonlyMap<string, AnyHandler>, env: HandlerEnvironment, observer: EngineObserver): void {
    const { config, sinks, log } = this;
    for (const rule of enabled) {
      const ruleLog = log.child({ rule: rule.name });
      const steps: RunnableStep[] = rule.steps.map((s) => {
        const step = registry.get(s.handler)!.create(s.options, { ...env, log: ruleLog });
        return { name: s.name, step: s.when === undefined ? step : conditionalStep(step, compileMatcher(s.when)) };
      });
      for (const { step } of steps) if (step.close) this.closers.push(() => step.close!());
      const topics = sourceTopicsFor(config, rule);
      this.consumers.push(
        new RuleConsumer({
          service: config.service.name,
          rule: compileRule(rule),
          steps,
          sources: topics.sources,
          retryTopics: topics.retries,
          producer: sinks.producerFor(rule.cluster),
          log: ruleLog,
          observer,
          commitIntervalMs: config.kafka.commit_interval_ms,
          maxPendingPerPartition: config.kafka.max_pending_per_partition,
          createClient: (hooks) => createSource(config, rule, hooks, ruleLog),
          streamOf: streamResolver(rule.topics, config.source.type === 'kafka' ? config.kafka.dc_prefixes : null),
        }),
      );
    }
  }

  /** True when every rule's source is finite, fully read, and every event finished (file replays, the demo). */
  get drained(): boolean {
    return this.consumers.every((c) => c.drained);
  }

  consumer(name: string): RuleConsumer | undefined {
    return this.consumers.find((c) => c.name === name);
  }

  /** Stop fetching, let in-flight events finish within the deadline, commit what finished, close everything. */
  async stop(deadlineMs = this.config.kafka.shutdown_timeout_ms): Promise<void> {
    this.log.info({ deadlineMs }, 'stopping');
    await Promise.all(this.consumers.map((c) => c.stop(deadlineMs)));
    for (const close of this.closers) {
      await close().catch((err) => this.log.warn({ err: (err as Error).message }, 'close failed'));
    }
    this.log.info('stopped');
  }
}
