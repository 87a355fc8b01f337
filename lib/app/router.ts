// The composition root: from a configuration, the running router. Rules are loaded and checked first (before any
// side effect), then the database is migrated, the shared services and sinks are built once, every step gets them
// through its HandlerEnvironment, and each rule gets its consumer group. `stop` closes it all, in reverse.
import type { Logger } from '../log.ts';
import type { RouterConfig } from '../config/schema.ts';
import { loadRules, formatProblem, disallowedHosts, type HttpHost } from '../rules/load.ts';
import { ConfigError } from '../errors.ts';
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

/** The enabled rules of the config, or a RuleLoadError naming every problem (files, lines, unknown clusters); a ConfigError for http hosts the config does not allow. */
export function loadEnabledRules(config: RouterConfig, registry: ReadonlyMap<string, AnyHandler>, log?: Logger): ResolvedRule[] {
  const { rules, problems, hosts } = loadRules(config.rules.paths, registry);
  if (problems.length > 0) throw new RuleLoadError(problems.map(formatProblem));
  const enabled = rules.filter((r) => r.enabled);
  checkAllowedHosts(config, enabled, hosts);
  if (config.source.type === 'kafka') {
    const unknown = unknownClusters(config, enabled);
    if (unknown.length > 0) throw new RuleLoadError(unknown);
  }
  if (enabled.length === 0) log?.warn({ paths: config.rules.paths }, 'no enabled rules: the router will consume nothing');
  return enabled;
}

/**
 * The written-out hosts of the enabled rules' http steps must be in `http.allowed_hosts`, or every event would be
 * dead-lettered: a ConfigError (exit 2) naming each at its URI. Templated hosts are checked per request only.
 */
export function checkAllowedHosts(config: RouterConfig, enabled: readonly ResolvedRule[], hosts: readonly HttpHost[]): void {
  const names = new Set(enabled.map((r) => r.name));
  const outside = disallowedHosts(hosts.filter((h) => names.has(h.rule)), config.http.allowed_hosts);
  if (outside.length > 0) throw ConfigError.all(outside.map((p) => new ConfigError('', formatProblem(p))));
}

/** What a reload did: the rule set it swapped in, or why it kept the running one (rejected: invalid rules; failed: an error while swapping). */
export type ReloadResult =
  | { outcome: 'applied' | 'unchanged'; added: string[]; removed: string[]; changed: string[]; kept: string[] }
  | { outcome: 'rejected' | 'failed'; problems: string[] };

/** A running rule: its consumer and the steps it runs (closed when the rule goes). */
interface RunningRule {
  rule: ResolvedRule;
  consumer: RuleConsumer;
  steps: RunnableStep[];
}

/** A rule as a reload compares it: everything but where it was written. */
const ruleShape = (rule: ResolvedRule) => JSON.stringify({ ...rule, source: undefined });

export class Router {
  private readonly running = new Map<string, RunningRule>();
  private readonly closers: Array<() => Promise<void>> = [];
  private env!: HandlerEnvironment;
  private reloading: Promise<ReloadResult> | null = null;

  private constructor(
    readonly config: RouterConfig,
    readonly services: Services,
    private readonly sinks: Sinks,
    private readonly log: Logger,
    private readonly registry: ReadonlyMap<string, AnyHandler>,
    private readonly observer: EngineObserver,
  ) {}

  /** The consumers of the rules running now, in rule order. */
  get consumers(): RuleConsumer[] {
    return [...this.running.values()].map((r) => r.consumer);
  }

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
    const router = new Router(config, services, sinks, log, registry, options.observer ?? noopObserver);
    router.env = {
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
      for (const rule of enabled) router.running.set(rule.name, router.build(rule));
    } catch (err) {
      await sinks.close();
      await services.close();
      throw err;
    }
    // After the rules' steps: the sinks their events were parked through, then the shared services they used.
    router.closers.push(() => sinks.close(), () => services.close());
    await Promise.all(router.consumers.map((c) => c.start()));
    log.info({ rules: router.consumers.map((c) => ({ rule: c.name, topics: c.topics })) }, 'router started');
    return router;
  }

  /** A rule's consumer, its steps created with the shared environment. */
  private build(rule: ResolvedRule): RunningRule {
    const { config, sinks, log, env } = this;
    const ruleLog = log.child({ rule: rule.name });
    const steps: RunnableStep[] = rule.steps.map((s) => {
      const step = this.registry.get(s.handler)!.create(s.options, { ...env, log: ruleLog });
      return { name: s.name, step: s.when === undefined ? step : conditionalStep(step, compileMatcher(s.when)) };
    });
    const topics = sourceTopicsFor(config, rule);
    const consumer = new RuleConsumer({
      service: config.service.name,
      rule: compileRule(rule),
      steps,
      sources: topics.sources,
      retryTopics: topics.retries,
      producer: sinks.producerFor(rule.cluster),
      log: ruleLog,
      observer: this.observer,
      commitIntervalMs: config.kafka.commit_interval_ms,
      maxPendingPerPartition: config.kafka.max_pending_per_partition,
      createClient: (hooks) => createSource(config, rule, hooks, ruleLog),
      streamOf: streamResolver(rule.topics, config.source.type === 'kafka' ? config.kafka.dc_prefixes : null),
    });
    return { rule, consumer, steps };
  }

  /** Stops a running rule: no more fetching, its in-flight events finish (within the deadline), commit, close its steps. */
  private async retire(running: RunningRule, deadlineMs: number): Promise<void> {
    await running.consumer.stop(deadlineMs);
    for (const { step } of running.steps) await step.close?.().catch((err) => this.log.warn({ err: (err as Error).message }, 'close failed'));
  }

  /**
   * Reads the rule files again and swaps in what changed: a rule added starts, a rule removed stops, a rule changed
   * stops (its in-flight events finish and are committed) and starts again as written now, from its committed
   * offsets, so every event takes effect once, by the old rule or by the new one. Rules that did not change keep
   * running untouched. An invalid rule set changes nothing: the problems come back and the running rules stay.
   * Reloads run one at a time. The caller logs the result (lib/app/rule-reloads.ts).
   */
  reload(): Promise<ReloadResult> {
    const run = (this.reloading ?? Promise.resolve()).then(() => this.reloadNow());
    const settled = run.catch((err): ReloadResult => ({ outcome: 'failed', problems: [(err as Error).message] }));
    this.reloading = settled;
    return settled;
  }

  private async reloadNow(): Promise<ReloadResult> {
    let next: ResolvedRule[];
    try {
      next = loadEnabledRules(this.config, this.registry);
    } catch (err) {
      const problems = err instanceof RuleLoadError || err instanceof ConfigError ? [...err.problems] : [(err as Error).message];
      return { outcome: 'rejected', problems };
    }
    const byName = new Map(next.map((r) => [r.name, r]));
    const removed = [...this.running.keys()].filter((name) => !byName.has(name));
    const changed = next.filter((r) => this.running.has(r.name) && ruleShape(this.running.get(r.name)!.rule) !== ruleShape(r)).map((r) => r.name);
    const added = next.filter((r) => !this.running.has(r.name)).map((r) => r.name);
    const kept = next.filter((r) => this.running.has(r.name) && !changed.includes(r.name)).map((r) => r.name);
    if (removed.length + changed.length + added.length === 0) return { outcome: 'unchanged', added, removed, changed, kept };
    // Everything the new rules need is connected, and every step built, before anything running is stopped.
    const starting = next.filter((r) => added.includes(r.name) || changed.includes(r.name));
    await this.sinks.prepare(starting);
    const built = starting.map((rule) => this.build(rule));
    const deadline = this.config.kafka.shutdown_timeout_ms;
    await Promise.all([...removed, ...changed].map(async (name) => {
      await this.retire(this.running.get(name)!, deadline);
      this.running.delete(name);
    }));
    // The new order is the files' order.
    const order = new Map(next.map((r, i) => [r.name, i]));
    for (const r of built) this.running.set(r.rule.name, r);
    const sorted = [...this.running.entries()].sort(([a], [b]) => order.get(a)! - order.get(b)!);
    this.running.clear();
    for (const [name, r] of sorted) this.running.set(name, r);
    await Promise.all(built.map((r) => r.consumer.start()));
    return { outcome: 'applied', added, removed, changed, kept };
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
    await this.reloading;
    await Promise.all([...this.running.values()].map((r) => this.retire(r, deadlineMs)));
    for (const close of this.closers) {
      await close().catch((err) => this.log.warn({ err: (err as Error).message }, 'close failed'));
    }
    this.log.info('stopped');
  }
}
