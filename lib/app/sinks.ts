// Where produced messages go: one producer per Kafka cluster something uses (a rule's retries and dead letters on its
// cluster, a produce step's cluster), or, without Kafka, JSON-lines files in the state folder whatever the cluster.
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import { DEFAULT_CLUSTER, type RouterConfig } from '../config/schema.ts';
import type { ResolvedRule } from '../rules/schema.ts';
import type { MessageSink } from '../messaging/message.ts';
import { FileTopicSink } from '../sources/file-log.ts';
import { KafkaClusters, clusterNames } from '../kafka/clusters.ts';
import { ruleTopics } from '../engine/topics.ts';

export class UnknownClusterError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'UnknownClusterError';
  }
}

export interface Sinks {
  /** The "main" cluster's producer, or the file sink. */
  readonly producer: MessageSink;
  producerFor(cluster: string): MessageSink;
  /** Connects what rules added later (a reload) need: their clusters' producers, their retry and dead-letter topics. */
  prepare(rules: readonly ResolvedRule[]): Promise<void>;
  close(): Promise<void>;
}

/** The clusters a rule's produce steps send to (their `cluster` option). */
function produceClusters(rule: ResolvedRule): string[] {
  return rule.steps.filter((s) => s.handler === 'produce').map((s) => String((s.options as { cluster?: unknown }).cluster ?? DEFAULT_CLUSTER));
}

/** Every cluster the rules name that the config does not define, as one problem each. */
export function unknownClusters(config: RouterConfig, rules: readonly ResolvedRule[]): string[] {
  const names = new Set(clusterNames(config.kafka));
  const used = new Set(rules.flatMap((r) => [r.cluster, ...produceClusters(r)]));
  return [...used]
    .filter((c) => !names.has(c))
    .map((c) => `unknown Kafka cluster "${c}" (configured: ${[...names].join(', ')}; add it under kafka.clusters)`);
}

/** The sink of a cluster no rule uses: nothing produces to it, and anything that tries is told why. */
function unconnectedSink(cluster: string): MessageSink {
  return { produce: async () => Promise.reject(new Error(`Kafka cluster ${cluster} is not connected: no rule uses it`)) };
}

/** Connects the producers the rules need and creates their retry and dead-letter topics on their clusters. */
export async function openSinks(config: RouterConfig, rules: readonly ResolvedRule[], log: Logger): Promise<Sinks> {
  if (config.source.type !== 'kafka') {
    const sink = new FileTopicSink(join(config.source.state_dir, 'topics'));
    return { producer: sink, producerFor: () => sink, prepare: async () => undefined, close: () => sink.close() };
  }
  const clusters = new KafkaClusters(config.kafka, log);
  const sinks = new Map<string, MessageSink>();
  const prepare = async (more: readonly ResolvedRule[]) => {
    const unknown = unknownClusters(config, more);
    if (unknown.length > 0) throw new UnknownClusterError(unknown);
    // Only clusters something uses are connected: a deployment that reads only jumbo needs no main brokers.
    for (const cluster of new Set(more.flatMap((r) => [r.cluster, ...produceClusters(r)]))) {
      if (!sinks.has(cluster)) sinks.set(cluster, await clusters.producer(cluster));
      const topics = new Set<string>();
      for (const rule of more.filter((r) => r.cluster === cluster)) {
        const t = ruleTopics(config.service.name, rule.topics, config.kafka.dc_prefixes);
        for (const topic of [...t.retries, t.deadLetter]) topics.add(topic);
      }
      await clusters.createTopics(cluster, [...topics].map((topic) => ({ topic, partitions: config.kafka.topic_partitions })));
    }
  };
  try {
    await prepare(rules);
  } catch (err) {
    await clusters.close();
    throw err;
  }
  const unconnected = unconnectedSink(DEFAULT_CLUSTER);
  return {
    get producer() {
      return sinks.get(DEFAULT_CLUSTER) ?? unconnected;
    },
    producerFor: (cluster) => {
      const sink = sinks.get(cluster);
      if (!sink) throw new Error(`no producer for Kafka cluster ${cluster}`);
      return sink;
    },
    prepare,
    close: () => clusters.close(),
  };
}
