// Raw baselines measured in the same run as the router: how fast node-rdkafka alone drains the topic, and
// how fast a hand-written batched upsert writes the same rows. A scenario is compared with the slower of them.
import pg from 'pg';
import { KafkaConsumerClient, type ConsumedMessage } from '../../lib/kafka/consumer.ts';
import { consumerSettings, producerSettings } from '../../lib/kafka/client-config.ts';
import { KafkaProducer } from '../../lib/kafka/producer.ts';
import { createTopics, deleteTopics } from '../../lib/kafka/admin.ts';
import { KAFKA_BROKERS, kafkaSettings, uniqueName } from './services.ts';

/**
 * Reads `count` messages with the router's batch size, handing each batch to `onBatch`; events/s from the first
 * message to the last handled one.
 */
async function drainRate(
  consumer: KafkaConsumerClient,
  count: number,
  what: string,
  onBatch: (batch: ConsumedMessage[]) => Promise<void> | void,
): Promise<number> {
  let got = 0;
  let first = 0;
  const deadline = Date.now() + 300_000;
  while (got < count) {
    if (Date.now() > deadline) throw new Error(`${what} read ${got}/${count}`);
    const batch = await consumer.consumeBatch(500);
    if (batch.length === 0) continue;
    if (first === 0) first = performance.now();
    await onBatch(batch);
    got += batch.length;
  }
  return count / ((performance.now() - first) / 1000);
}

/** Consumes `count` messages of `topic` from the start in a fresh group, no processing; events/s from first message. */
export async function consumeBaseline(topic: string, count: number, parse = false): Promise<number> {
  const consumer = new KafkaConsumerClient(consumerSettings(kafkaSettings, uniqueName('imr-bench-baseline')));
  await consumer.connect();
  consumer.subscribe([topic]);
  try {
    return await drainRate(consumer, count, 'baseline consumer', (batch) => {
      if (parse) for (const m of batch) JSON.parse(m.value!.toString('utf8'));
    });
  } finally {
    await consumer.disconnect();
  }
}

/**
 * The routing scenario's work with no engine: consume a batch, parse and re-serialise each event, produce it with
 * the router's producer settings, wait for every delivery report of the batch, commit; batch after batch. What
 * node-rdkafka and the broker allow for consume-and-produce on this machine, measured in the same run.
 * Commits are not awaited (their results arrive while consuming), as in the router.
 */
export async function consumeProduceBaseline(topic: string, count: number): Promise<number> {
  const output = `${topic}.pipe-baseline`;
  await createTopics(KAFKA_BROKERS, [{ topic: output, partitions: 4 }]);
  const consumer = new KafkaConsumerClient(consumerSettings(kafkaSettings, uniqueName('imr-bench-pipe')));
  const producer = new KafkaProducer(producerSettings(kafkaSettings));
  await Promise.all([consumer.connect(), producer.connect()]);
  consumer.subscribe([topic]);
  try {
    return await drainRate(consumer, count, 'consume-produce baseline', async (batch) => {
      await Promise.all(batch.map((m) => producer.produce({ topic: output, key: m.key, value: JSON.stringify(JSON.parse(m.value!.toString('utf8'))) })));
      const last = new Map<number, number>();
      for (const m of batch) last.set(m.partition, m.offset + 1);
      consumer.commit([...last].map(([partition, offset]) => ({ topic, partition, offset }))).catch(() => undefined);
    });
  } finally {
    await Promise.all([consumer.disconnect(), producer.disconnect()]);
    await deleteTopics(KAFKA_BROKERS, [output]).catch(() => undefined);
  }
}

/**
 * Writes `rows` with one multi-row `INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE` per batch into
 * a copy of `table` (same columns, indexes and constraints), then drops the copy. Returns rows/s.
 */
export async function upsertBaseline(
  databaseUrl: string,
  table: string,
  sql: (target: string) => string,
  columns: unknown[][],
  batchSize = 10000,
): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const target = `baseline_${table}`;
  try {
    await client.query(`CREATE TABLE ${target} (LIKE ${table} INCLUDING ALL)`);
    const rows = columns[0]!.length;
    const started = performance.now();
    for (let i = 0; i < rows; i += batchSize) {
      await client.query(sql(target), columns.map((c) => c.slice(i, i + batchSize)));
    }
    return rows / ((performance.now() - started) / 1000);
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${target}`).catch(() => undefined);
    await client.end();
  }
}
