// The interface every event source offers the engine: the shape of a Kafka consumer-group member (poll a batch,
// commit positions, pause and resume), so Kafka, NDJSON files and EventStreams feed the same RuleConsumer.
import type { ConsumedMessage, RebalanceHooks, TopicPartition, TopicPartitionOffset } from '../kafka/consumer.ts';

export type { ConsumedMessage, RebalanceHooks, TopicPartition, TopicPartitionOffset };

export interface EventSource {
  /** Called with every commit result, including failures. */
  onCommitResult: ((err: Error | null, offsets: TopicPartitionOffset[]) => void) | undefined;
  connect(): Promise<void>;
  subscribe(topics: string[]): void;
  /** Up to `max` messages; may return fewer (or none) after a short wait. */
  consumeBatch(max: number): Promise<ConsumedMessage[]>;
  /** Durably record positions (the next offset to read, per partition). */
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  commitSync(offsets: TopicPartitionOffset[]): void;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  watermarks(topic: string, partition: number): { low: number; high: number } | null;
  disconnect(): Promise<void>;
  /** True when a finite source (a file without follow) has delivered everything it has. Kafka never ends. */
  readonly exhausted?: boolean;
}
