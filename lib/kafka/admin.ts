// Topic administration: create topics (idempotently) for the router's retry and dead-letter topics and for tests.
import Kafka from 'node-rdkafka';

export interface TopicSpec {
  topic: string;
  partitions?: number;
  replicationFactor?: number;
  config?: Record<string, string>;
}

export async function createTopics(brokers: string, specs: TopicSpec[], timeoutMs = 15000): Promise<void> {
  const admin = Kafka.AdminClient.create({ 'metadata.broker.list': brokers, 'client.id': 'imagematching-router-admin' });
  try {
    for (const spec of specs) {
      await new Promise<void>((resolve, reject) => {
        admin.createTopic(
          {
            topic: spec.topic,
            num_partitions: spec.partitions ?? 1,
            replication_factor: spec.replicationFactor ?? 1,
            config: spec.config ?? {},
          },
          timeoutMs,
          (err) => {
            if (!err || err.code === Kafka.CODES.ERRORS.ERR_TOPIC_ALREADY_EXISTS) resolve();
            else reject(new Error(`create topic ${spec.topic} failed: ${err.message}`));
          },
        );
      });
    }
  } finally {
    admin.disconnect();
  }
}

export async function deleteTopics(brokers: string, topics: string[], timeoutMs = 15000): Promise<void> {
  const admin = Kafka.AdminClient.create({ 'metadata.broker.list': brokers, 'client.id': 'imagematching-router-admin' });
  try {
    for (const topic of topics) {
      await new Promise<void>((resolve) => admin.deleteTopic(topic, timeoutMs, () => resolve()));
    }
  } finally {
    admin.disconnect();
  }
}
