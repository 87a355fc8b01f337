// The Kafka clusters of a router: "main" (kafka.brokers) and those named under kafka.clusters. Wikimedia keeps most
// streams on its main clusters and mediawiki.page_content_change.v1 on the analytics ("jumbo") one, so a rule names
// the cluster it reads; one producer per cluster is connected on first use and shared by everything on it.
import type { Logger } from '../log.ts';
import { DEFAULT_CLUSTER, type KafkaConfig } from '../config/schema.ts';
import { KafkaProducer } from './producer.ts';
import { producerSettings } from './client-config.ts';
import { createTopics, type TopicSpec } from './admin.ts';

/** kafka's settings as one cluster sees them: its brokers, its consumer and producer settings over kafka's. */
export function clusterKafkaConfig(kafka: KafkaConfig, cluster: string): KafkaConfig {
  if (cluster === DEFAULT_CLUSTER) return kafka;
  const named = kafka.clusters[cluster];
  if (!named) throw new Error(`unknown Kafka cluster ${JSON.stringify(cluster)}`);
  return { ...kafka, brokers: named.brokers, consumer: { ...kafka.consumer, ...named.consumer }, producer: { ...kafka.producer, ...named.producer } };
}

/** Every cluster name the config defines, "main" first. */
export function clusterNames(kafka: KafkaConfig): string[] {
  return [DEFAULT_CLUSTER, ...Object.keys(kafka.clusters).filter((n) => n !== DEFAULT_CLUSTER)];
}

export class KafkaClusters {
  private readonly producers = new Map<string, Promise<KafkaProducer>>();

  constructor(
    private readonly kafka: KafkaConfig,
    private readonly log: Logger,
  ) {}

  settings(cluster: string): KafkaConfig {
    return clusterKafkaConfig(this.kafka, cluster);
  }

  /** The cluster's producer, connected (once; a failed connect is tried again on the next call). */
  producer(cluster: string): Promise<KafkaProducer> {
    let producer = this.producers.get(cluster);
    if (!producer) {
      const client = new KafkaProducer(producerSettings(this.settings(cluster)), this.log.child({ component: 'producer', cluster }));
      producer = client.connect().then(() => client);
      producer.catch(() => this.producers.delete(cluster));
      this.producers.set(cluster, producer);
    }
    return producer;
  }

  async createTopics(cluster: string, specs: TopicSpec[]): Promise<void> {
    if (specs.length > 0) await createTopics(this.settings(cluster).brokers, specs);
  }

  async close(): Promise<void> {
    const producers = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(producers.map(async (p) => (await p.catch(() => null))?.disconnect()));
  }
}
