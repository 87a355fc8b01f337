// Builds librdkafka configuration from the router's config: safe defaults first, then the operator's
// pass-through settings from `kafka.consumer` / `kafka.producer`, then a rule's own prefetch settings (`consumer`
// in the rule file, limited to a few sizing keys by the rule schema), the most specific.
import type { KafkaConfig } from '../config/schema.ts';

export type LibrdkafkaSettings = Record<string, string | number | boolean>;

export function consumerSettings(
  kafka: Pick<KafkaConfig, 'brokers' | 'client_id' | 'consumer'>,
  groupId: string,
  rule: Readonly<Record<string, number>> = {},
): LibrdkafkaSettings {
  return {
    'metadata.broker.list': kafka.brokers,
    'client.id': kafka.client_id,
    'group.id': groupId,
    // Offsets are committed by the router, per partition, only up to the highest contiguous finished event.
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'auto.offset.reset': 'earliest',
    'enable.partition.eof': false,
    // Bound the memory librdkafka uses for prefetched messages (per client, across partitions). The kbytes limit
    // counts payload only; each small message also costs librdkafka a few hundred bytes, so cap the count too
    // (the default, 100,000 per partition, let a backlog of small events take ~20 MB more).
    'queued.max.messages.kbytes': 16384,
    'queued.min.messages': 10000,
    // librdkafka keeps each fetch response's buffer until its last message is consumed, so the prefetch costs up
    // to partitions x this per fetch in flight (1 MB by default). Measured over a 1,000,000-event backlog: peak RSS
    // 304 / 322 -> 275 / 287 MB (routing / feedback) at the same CPU per event.
    'max.partition.fetch.bytes': 524288,
    'fetch.wait.max.ms': 100,
    // After a backpressure pause and resume, fetch again at once (librdkafka's default waits up to a second).
    'fetch.queue.backoff.ms': 10,
    'socket.keepalive.enable': true,
    'partition.assignment.strategy': 'cooperative-sticky',
    ...kafka.consumer,
    ...rule,
  };
}

export function producerSettings(kafka: Pick<KafkaConfig, 'brokers' | 'client_id' | 'producer'>): LibrdkafkaSettings {
  return {
    'metadata.broker.list': kafka.brokers,
    'client.id': kafka.client_id,
    dr_cb: true,
    // Idempotence gives ordered, de-duplicated delivery per partition with acks=all.
    'enable.idempotence': true,
    acks: -1,
    'linger.ms': 5,
    'compression.type': 'lz4',
    'message.timeout.ms': 30000,
    ...kafka.producer,
  };
}
