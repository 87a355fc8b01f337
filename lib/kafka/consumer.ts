// A thin consumer over node-rdkafka: batch polling (non-flowing), explicit per-partition commits whose
// results are awaited, pause/resume, and rebalance hooks that run before partitions change hands.
import Kafka from 'node-rdkafka';
import type { Logger } from '../log.ts';
import { TransientError } from '../errors.ts';
import type { LibrdkafkaSettings } from './client-config.ts';

export interface TopicPartition {
  topic: string;
  partition: number;
}
export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<Record<string, Buffer>>;
  timestamp: number | undefined;
  size: number;
  /** Set by a source that read the message but knows the rule must not process it (a file line of another stream). */
  skip?: 'other_stream';
}

export interface RebalanceHooks {
  /** Called before newly assigned partitions start delivering. */
  assigned?(partitions: TopicPartition[]): void;
  /** Called before partitions are taken away: the last chance to commit what finished (synchronously). */
  revoked?(partitions: TopicPartition[]): void;
}

interface CommitWaiter {
  resolve(): void;
  reject(err: Error): void;
}

export class KafkaConsumerClient {
  private readonly consumer: Kafka.KafkaConsumer;
  private readonly commitWaiters: CommitWaiter[] = [];
  private connected = false;
  /** From the configured assignment strategy: rebalanceProtocol() can answer NONE before the group settled. */
  private readonly cooperativeConfigured: boolean;
  /** Called with every commit result, including failures, e.g. for metrics. */
  onCommitResult: ((err: Error | null, offsets: TopicPartitionOffset[]) => void) | undefined;

  constructor(
    settings: LibrdkafkaSettings,
    private readonly hooks: RebalanceHooks = {},
    private readonly log?: Logger,
  ) {
    const { 'auto.offset.reset': offsetReset, ...globalSettings } = settings;
    this.cooperativeConfigured = String(settings['partition.assignment.strategy'] ?? '').includes('cooperative');
    this.consumer = new Kafka.KafkaConsumer(
      {
        ...globalSettings,
        offset_commit_cb: true,
        rebalance_cb: (err: Kafka.LibrdKafkaError, assignment: Kafka.Assignment[]) => {
          this.handleRebalance(err, assignment as TopicPartition[]);
        },
      } as unknown as Kafka.ConsumerGlobalConfig,
      // auto.offset.reset is a topic-level property; node-rdkafka ignores it in the global config.
      { 'auto.offset.reset': (offsetReset as Kafka.ConsumerTopicConfig['auto.offset.reset'] | undefined) ?? 'earliest' },
    );
    this.consumer.on('offset.commit', (err, offsets) => {
      const waiter = this.commitWaiters.shift();
      const failed = err ? new TransientError(`offset commit failed: ${err.message}`, { cause: err }) : null;
      this.onCommitResult?.(failed, (offsets ?? []) as TopicPartitionOffset[]);
      if (!waiter) return;
      if (failed) waiter.reject(failed);
      else waiter.resolve();
    });
    this.consumer.on('event.error', (err) => this.log?.warn({ err: err.message }, 'kafka consumer error'));
  }

  private handleRebalance(err: Kafka.LibrdKafkaError, assignment: TopicPartition[]): void {
    // A plain assign() under the cooperative protocol fails inside librdkafka without an exception, and the
    // consumer then owns partitions it never fetches: decide from the configuration as well.
    const cooperative = this.cooperativeConfigured || this.consumer.rebalanceProtocol() === 'COOPERATIVE';
    try {
      if (err.code === Kafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
        // Assign first: the engine tracks only partitions the client really fetches.
        if (cooperative) this.consumer.incrementalAssign(assignment);
        else this.consumer.assign(assignment);
        // A partition paused for backpressure when it was revoked may come back still paused; the engine
        // starts every assigned partition unpaused, so librdkafka must agree.
        this.consumer.resume(assignment);
        this.hooks.assigned?.(assignment);
      } else if (err.code === Kafka.CODES.ERRORS.ERR__REVOKE_PARTITIONS) {
        this.hooks.revoked?.(assignment);
        if (cooperative) this.consumer.incrementalUnassign(assignment);
        else this.consumer.unassign();
      } else {
        this.log?.error({ err: err.message }, 'rebalance error');
      }
    } catch (e) {
      this.log?.error({ err: (e as Error).message }, 'rebalance handling failed');
    }
  }

  async connect(timeoutMs = 30000): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.consumer.connect({ timeout: timeoutMs }, (err) =>
        err ? reject(new TransientError(`consumer connect failed: ${err.message}`, { cause: err })) : resolve(),
      );
    });
    // node-rdkafka applies this per message while filling a batch: a long timeout holds a partly filled batch
    // back (≈500 ms at 1,000 events/s for 100 ms), a short one returns what is there.
    this.consumer.setDefaultConsumeTimeout(10);
    this.connected = true;
  }

  get isConnected(): boolean {
    return this.connected && this.consumer.isConnected();
  }

  subscribe(topics: string[]): void {
    this.consumer.subscribe(topics);
  }

  /** Up to `max` messages; resolves early (after the consume timeout) when fewer are available. */
  consumeBatch(max: number): Promise<ConsumedMessage[]> {
    return new Promise((resolve, reject) => {
      this.consumer.consume(max, (err, messages) => {
        if (err) return reject(new TransientError(`consume failed: ${err.message}`, { cause: err }));
        resolve(
          messages.map((m) => ({
            topic: m.topic,
            partition: m.partition,
            offset: m.offset,
            key: m.key === undefined || m.key === null ? null : Buffer.isBuffer(m.key) ? m.key : Buffer.from(String(m.key)),
            value: m.value ?? null,
            headers: (m.headers ?? []) as Array<Record<string, Buffer>>,
            timestamp: m.timestamp,
            size: m.size,
          })),
        );
      });
    });
  }

  /**
   * Commit offsets (each the NEXT offset to consume). Resolves when the broker confirmed, rejects on failure.
   * Results are delivered while the consumer is being polled, so keep calling consumeBatch meanwhile.
   */
  commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      try {
        this.consumer.commit(offsets);
        this.commitWaiters.push({ resolve, reject });
      } catch (err) {
        reject(new TransientError(`offset commit failed: ${(err as Error).message}`, { cause: err }));
      }
    });
  }

  /** Synchronous commit, for rebalance callbacks and shutdown, where no poll will follow. */
  commitSync(offsets: TopicPartitionOffset[]): void {
    if (offsets.length > 0) this.consumer.commitSync(offsets);
  }

  committed(partitions: TopicPartition[], timeoutMs = 5000): Promise<TopicPartitionOffset[]> {
    return new Promise((resolve, reject) => {
      this.consumer.committed(partitions, timeoutMs, (err, tps) => (err ? reject(new TransientError(err.message)) : resolve(tps)));
    });
  }

  pause(partitions: TopicPartition[]): void {
    if (partitions.length > 0) this.consumer.pause(partitions);
  }

  resume(partitions: TopicPartition[]): void {
    if (partitions.length > 0) this.consumer.resume(partitions);
  }

  assignments(): TopicPartition[] {
    return this.isConnected ? (this.consumer.assignments() as TopicPartition[]) : [];
  }

  /** High watermarks as last seen by the fetcher (no broker round trip), for lag metrics. */
  watermarks(topic: string, partition: number): { low: number; high: number } | null {
    try {
      const w = this.consumer.getWatermarkOffsets(topic, partition);
      return { low: w.lowOffset, high: w.highOffset };
    } catch {
      return null;
    }
  }

  async disconnect(timeoutMs = 10000): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.consumer.disconnect(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    for (const waiter of this.commitWaiters.splice(0)) waiter.reject(new TransientError('consumer disconnected before commit result'));
  }
}

/** Partition ids of a topic and their high watermarks, read from the broker (for bounded reads like redrive). */
export async function topicEnd(settings: LibrdkafkaSettings, topic: string, timeoutMs = 10000): Promise<Array<{ partition: number; high: number }>> {
  const client = new Kafka.KafkaConsumer({ ...settings, 'group.id': settings['group.id'] ?? 'imagematching-router-probe' } as Kafka.ConsumerGlobalConfig, {});
  await new Promise<void>((resolve, reject) => client.connect({ timeout: timeoutMs }, (err) => (err ? reject(err) : resolve())));
  try {
    const metadata = await new Promise<Kafka.Metadata>((resolve, reject) =>
      client.getMetadata({ topic, timeout: timeoutMs }, (err, md) => (err ? reject(err) : resolve(md))),
    );
    const partitions = metadata.topics.find((t) => t.name === topic)?.partitions ?? [];
    const out: Array<{ partition: number; high: number }> = [];
    for (const p of partitions) {
      const w = await new Promise<Kafka.WatermarkOffsets>((resolve, reject) =>
        client.queryWatermarkOffsets(topic, p.id, timeoutMs, (err, offsets) => (err ? reject(err) : resolve(offsets))),
      );
      out.push({ partition: p.id, high: w.highOffset });
    }
    return out;
  } finally {
    await new Promise<void>((resolve) => client.disconnect(() => resolve()));
  }
}
