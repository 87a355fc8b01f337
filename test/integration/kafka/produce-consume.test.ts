import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaProducer } from '../../../lib/kafka/producer.ts';
import { KafkaConsumerClient, type ConsumedMessage } from '../../../lib/kafka/consumer.ts';
import { consumerSettings, producerSettings } from '../../../lib/kafka/client-config.ts';
import { createTopics } from '../../../lib/kafka/admin.ts';
import { MessageTooLargeError } from '../../../lib/errors.ts';
import { randomBytes } from 'node:crypto';
import { KAFKA_BROKERS, uniqueName, waitFor } from '../../helpers/services.ts';

const kafka = { brokers: KAFKA_BROKERS, client_id: 'imr-test', consumer: {}, producer: {} };

async function consumeUntil(consumer: KafkaConsumerClient, count: number, timeoutMs = 30000): Promise<ConsumedMessage[]> {
  const got: ConsumedMessage[] = [];
  await waitFor(`${count} message(s)`, async () => {
    got.push(...(await consumer.consumeBatch(100)));
    return got.length >= count ? true : undefined;
  }, timeoutMs, 0);
  return got;
}

describe('Kafka adapters on the real broker', () => {
  const topic = uniqueName('imr-adapter');
  const group = uniqueName('imr-adapter-group');
  let producer: KafkaProducer;

  before(async () => {
    await createTopics(KAFKA_BROKERS, [{ topic, partitions: 1 }]);
    producer = new KafkaProducer(producerSettings(kafka));
    await producer.connect();
  });
  after(async () => {
    await producer.disconnect();
  });

  test('a produced message is consumed, committed, and a new consumer of the group starts after it', async () => {
    const first = await producer.produce({ topic, key: 'enwiki:1', value: JSON.stringify({ n: 1 }), headers: [{ origin: 'test' }] });
    assert.equal(first.topic, topic);
    assert.equal(first.offset, 0, 'delivery report carries the broker-assigned offset');

    const consumer = new KafkaConsumerClient(consumerSettings(kafka, group));
    await consumer.connect();
    consumer.subscribe([topic]);
    const [message] = await consumeUntil(consumer, 1);
    assert.ok(message);
    assert.equal(message.key?.toString(), 'enwiki:1');
    assert.deepEqual(JSON.parse(message.value!.toString()), { n: 1 });
    assert.equal(message.headers[0]?.origin?.toString(), 'test');

    const commitResults: number[] = [];
    consumer.onCommitResult = (err, offsets) => {
      assert.equal(err, null);
      commitResults.push(...offsets.map((o) => o.offset));
    };
    const pending = consumer.commit([{ topic, partition: 0, offset: message.offset + 1 }]);
    // The commit result is delivered while the consumer is polled.
    const settled = pending.then(() => true);
    await waitFor('commit confirmation', async () => {
      await consumer.consumeBatch(1);
      return (await Promise.race([settled, Promise.resolve(false)])) || undefined;
    });
    assert.deepEqual(commitResults, [1]);
    const committed = await consumer.committed([{ topic, partition: 0 }]);
    assert.equal(committed[0]?.offset, 1);
    await consumer.disconnect();

    await producer.produce({ topic, key: 'enwiki:2', value: JSON.stringify({ n: 2 }) });
    const successor = new KafkaConsumerClient(consumerSettings(kafka, group));
    await successor.connect();
    successor.subscribe([topic]);
    const [next] = await consumeUntil(successor, 1);
    assert.equal(next?.offset, 1, 'the new group member resumes after the committed offset');
    assert.deepEqual(JSON.parse(next!.value!.toString()), { n: 2 });
    await successor.disconnect();
  });

  test('an uncommitted message is delivered again to the next group member', async () => {
    const topic2 = uniqueName('imr-adapter-uncommitted');
    const group2 = uniqueName('imr-adapter-group');
    await createTopics(KAFKA_BROKERS, [{ topic: topic2 }]);
    await producer.produce({ topic: topic2, value: 'a' });
    const c1 = new KafkaConsumerClient(consumerSettings(kafka, group2));
    await c1.connect();
    c1.subscribe([topic2]);
    const [seen] = await consumeUntil(c1, 1);
    assert.equal(seen?.offset, 0);
    await c1.disconnect();

    const c2 = new KafkaConsumerClient(consumerSettings(kafka, group2));
    await c2.connect();
    c2.subscribe([topic2]);
    const [again] = await consumeUntil(c2, 1);
    assert.equal(again?.offset, 0, 'nothing was committed, so the event is not lost');
    await c2.disconnect();
  });

  test('a message over the producer’s message.max.bytes is refused at once as too large, not as transient', async () => {
    const small = new KafkaProducer(producerSettings({ ...kafka, producer: { 'message.max.bytes': 4096 } }));
    await small.connect();
    try {
      const value = randomBytes(10_000);
      await assert.rejects(small.produce({ topic, value }), (err: unknown) => {
        assert.ok(err instanceof MessageTooLargeError, `got ${String(err)}`);
        assert.equal(err.retriable, false);
        assert.deepEqual([err.destination, err.bytes], [topic, 10_000]);
        return true;
      });
    } finally {
      await small.disconnect();
    }
  });

  test('a message the broker refuses as larger than the topic’s max.message.bytes fails its delivery as too large', async () => {
    const narrow = uniqueName('imr-adapter-narrow');
    await createTopics(KAFKA_BROKERS, [{ topic: narrow, partitions: 1, config: { 'max.message.bytes': '2048' } }]);
    // Random bytes, so lz4 cannot shrink them under the topic's limit.
    await assert.rejects(producer.produce({ topic: narrow, value: randomBytes(20_000) }), (err: unknown) => {
      assert.ok(err instanceof MessageTooLargeError, `got ${String(err)}`);
      assert.equal(err.retriable, false);
      assert.equal(err.destination, narrow);
      return true;
    });
    const report = await producer.produce({ topic: narrow, value: 'small' });
    assert.equal(report.topic, narrow, 'the producer goes on');
  });
});
