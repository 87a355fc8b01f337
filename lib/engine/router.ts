// Assembles a running router from its configuration: rules → handler steps → one consumer group per rule,
// plus the shared producer, database pool and the retry and dead-letter topics.
import type { Logger } from '../log.ts';
import type { RouterConfig } from '../config/schema.ts';
import { loadRules, formatProblem } from '../rules/load.ts';
import { compileRule } from '../rules/compile.ts';
import { handlers as defaultHandlers, type AnyHandler } from '../handlers/registry.ts';
import type { HandlerEnvironment, MessageSink } from '../handlers/environment.ts';
import type { EventSource, RebalanceHooks } from '../sources/source.ts';
import { FileTopicSink } from '../sources/file-log.ts';
import { FileSource, fileTopicName, listInputFiles } from '../sources/file-source.ts';
import { EVENTSTREAMS_TOPIC, EventStreamsSource } from '../sources/eventstreams-source.ts';
import { CombinedSource } from '../sources/combined-source.ts';
import { join } from 'node:path';
import type { ResolvedRule } from '../rules/schema.ts';
import { KafkaConsumerClient } from '../kafka/consumer.ts';
import { consumerSettings } from '../kafka/client-config.ts';
import { KafkaClusters, clusterKafkaConfig, clusterNames } from '../kafka/clusters.ts';
import { DEFAULT_CLUSTER } from '../config/schema.ts';
import { createPool, type Pool } from '../store/pool.ts';
import { migrate } from '../store/migrate.ts';
import { ensureDatabase } from '../store/ensure-database.ts';
import { RuleConsumer } from './rule-consumer.ts';
import { noopObserver, type EngineObserver, type IoObserver } from './observer.ts';
import { consumerGroupId, ruleTopics, streamResolver } from './topics.ts';
import { retryTopicName } from './parking.ts';
import type { RunnableStep } from './run-chain.ts';

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

export class Router {
  readonly consumers: RuleConsumer[] = [];
  private closers: Array<() => Promise<void>> = [];

  private constructor(
    readonly config: RouterConfig,
    readonly producer: MessageSink,
    readonly pool: Pool,
    private readonly log: Logger,
  ) {}

  static async start(config: RouterConfig, options: RouterOptions): Promise<Router> {
    const log = options.log;
    const registry = options.handlers ?? defaultHandlers;
    const { rules, problems } = loadRules(config.rules.paths, registry);
    if (problems.length > 0) throw new RuleLoadError(problems.map(formatProblem));
    const enabled = rules.filter((r) => r.enabled);
    if (enabled.length === 0) log.warn({ paths: config.rules.paths }, 'no enabled rules: the router will consume nothing');

    if (config.database.migrate_on_start && config.database.url) await ensureDatabase(config.database.url);
    const pool = createPool(config.database, log);
    if (config.database.migrate_on_start) {
      const result = await migrate(pool);
      if (result.applied.length > 0) log.info({ applied: result.applied.map((m) => m.name) }, 'database migrated');
    }
    const service = config.service.name;
    const kafkaSource = config.source.type === 'kafka';
    // One sink per Kafka cluster in use (rules' clusters, produce steps' clusters, "main"); without Kafka, retry,
    // dead-letter and produced topics are JSON-lines files in the state folder, whatever the cluster.
    const sinks = new Map<string, MessageSink>();
    let clusters: KafkaClusters | null = null;
    let fileSink: FileTopicSink | null = null;
    if (kafkaSource) {
      const names = new Set(clusterNames(config.kafka));
      // Only clusters something uses are connected: a deployment that reads only jumbo needs no main brokers.
      const used = new Set(enabled.flatMap((r) => [r.cluster, ...produceClusters(r)]));
      const unknown = [...used].filter((c) => !names.has(c));
      if (unknown.length > 0) {
        throw new RuleLoadError(unknown.map((c) => `unknown Kafka cluster "${c}" (configured: ${[...names].join(', ')}; add it under kafka.clusters)`));
      }
      clusters = new KafkaClusters(config.kafka, log);
      for (const cluster of used) sinks.set(cluster, await clusters.producer(cluster));
      for (const cluster of used) {
        const topics = new Set<string>();
        for (const rule of enabled.filter((r) => r.cluster === cluster)) {
          const t = ruleTopics(service, rule.topics, config.kafka.dc_prefixes);
          for (const topic of [...t.retries, t.deadLetter]) topics.add(topic);
        }
        await clusters.createTopics(cluster, [...topics].map((topic) => ({ topic, partitions: config.kafka.topic_partitions })));
      }
    } else {
      fileSink = new FileTopicSink(join(config.source.state_dir, 'topics'));
      sinks.set(DEFAULT_CLUSTER, fileSink);
    }
    const producer = sinks.get(DEFAULT_CLUSTER) ?? unconnectedSink(DEFAULT_CLUSTER);
    const producerFor = (cluster: string): MessageSink => sinks.get(cluster) ?? (kafkaSource ? assertNever(cluster) : producer);
    const router = new Router(config, producer, pool, log);
    router.closers.push(async () => {
      await clusters?.close();
      await fileSink?.close();
    }, () => pool.end());

    const env: HandlerEnvironment = { config, log, producer, producerFor, pool, ...(options.io ? { io: options.io } : {}) };
    for (const rule of enabled) {
      const compiled = compileRule(rule);
      const ruleLog = log.child({ rule: rule.name });
      const steps: RunnableStep[] = rule.steps.map((s) => ({
        name: s.name,
        step: registry.get(s.handler)!.create(s.options, { ...env, log: ruleLog }),
      }));
      for (const { step } of steps) if (step.close) router.closers.unshift(() => step.close!());
      const topics = sourceTopicsFor(config, rule);
      const consumer = new RuleConsumer({
        service,
        rule: compiled,
        steps,
        sources: topics.sources,
        retryTopics: topics.retries,
        producer: producerFor(rule.cluster),
        log: ruleLog,
        observer: options.observer ?? noopObserver,
        commitIntervalMs: config.kafka.commit_interval_ms,
        maxPendingPerPartition: config.kafka.max_pending_per_partition,
        createClient: (hooks) => createSource(kafkaSource ? { ...config, kafka: clusterKafkaConfig(config.kafka, rule.cluster) } : config, rule, hooks, ruleLog),
        streamOf: streamResolver(rule.topics, config.source.type === 'kafka' ? config.kafka.dc_prefixes : null),
      });
      router.consumers.push(consumer);
    }
    await Promise.all(router.consumers.map((c) => c.start()));
    log.info({ rules: router.consumers.map((c) => ({ rule: c.name, topics: c.topics })) }, 'router started');
    return router;
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

/** The clusters a rule's produce steps send to (their `cluster` option). */
function produceClusters(rule: ResolvedRule): string[] {
  return rule.steps.filter((s) => s.handler === 'produce').map((s) => String((s.options as { cluster?: unknown }).cluster ?? DEFAULT_CLUSTER));
}

function assertNever(cluster: string): never {
  throw new Error(`no producer for Kafka cluster ${cluster}`);
}

/** The sink of a cluster no rule uses: nothing produces to it, and anything that tries is told why. */
function unconnectedSink(cluster: string): MessageSink {
  return { produce: async () => Promise.reject(new Error(`Kafka cluster ${cluster} is not connected: no rule uses it`)) };
}

/** The topics a rule reads: prefixed streams on Kafka, file names for a file source, one topic for EventStreams. */
function sourceTopicsFor(config: RouterConfig, rule: ResolvedRule): { sources: string[]; retries: string[] } {
  const service = config.service.name;
  if (config.source.type === 'kafka') return ruleTopics(service, rule.topics, config.kafka.dc_prefixes);
  const sources = config.source.type === 'file' ? listInputFiles(config.source.file.paths).map(fileTopicName) : [EVENTSTREAMS_TOPIC];
  return { sources, retries: sources.map((t) => retryTopicName(service, t)) };
}

function createSource(config: RouterConfig, rule: ResolvedRule, hooks: RebalanceHooks, log: Logger): EventSource {
  const groupId = consumerGroupId(config.service.name, rule.name);
  const checkpointDir = join(config.source.state_dir, 'checkpoints');
  switch (config.source.type) {
    case 'kafka':
      return new KafkaConsumerClient(consumerSettings(config.kafka, groupId, rule.consumer), hooks, log);
    case 'file':
      return new FileSource({
        inputs: config.source.file.paths,
        topicsDir: join(config.source.state_dir, 'topics'),
        checkpointDir,
        groupId,
        streams: rule.topics,
        follow: config.source.file.follow,
        hooks,
      });
    case 'eventstreams': {
      const live = new EventStreamsSource({
        url: config.source.eventstreams.url,
        streams: rule.topics,
        checkpointDir,
        groupId,
        userAgent: config.mediawiki.user_agent,
        reconnectMaxMs: config.source.eventstreams.reconnect_max_ms,
        hooks,
        log,
      });
      // Retries of EventStreams events are parked in (and read back from) JSON-lines files.
      const retries = new FileSource({
        inputs: [],
        topicsDir: join(config.source.state_dir, 'topics'),
        checkpointDir,
        groupId,
        streams: rule.topics,
        follow: true,
        hooks,
      });
      return new CombinedSource([
        { owns: (t) => t === EVENTSTREAMS_TOPIC, source: live },
        { owns: (t) => t !== EVENTSTREAMS_TOPIC, source: retries },
      ]);
    }
  }
}
