// A thin producer over node-rdkafka whose `produce` resolves only when the broker acknowledged the
// message (delivery report), so callers can commit source offsets after their derived events are durable.
import Kafka from 'node-rdkafka';
import type { Logger } from '../log.ts';
import { MessageTooLargeError, TransientError } from '../errors.ts';
import type { LibrdkafkaSettings } from './client-config.ts';
import type { DeliveryReport, MessageSink, OutgoingMessage } from '../messaging/message.ts';

interface Waiter {
  resolve(report: DeliveryReport): void;
  reject(err: Error): void;
}

/**
 * librdkafka's ERR_MSG_SIZE_TOO_LARGE (10), which is also the broker's MESSAGE_TOO_LARGE (the Java client's
 * RecordTooLargeException). `produce` throws it with its code for a message over the producer's `message.max.bytes`.
 */
const MSG_SIZE_TOO_LARGE = Kafka.CODES.ERRORS.ERR_MSG_SIZE_TOO_LARGE;
/**
 * A delivery report carries the broker's refusal (a topic's `max.message.bytes`) without the code: node-rdkafka passes
 * librdkafka's text alone ("Broker: Message size too large"), which LibrdKafkaError cuts after its origin and
 * lowercases, with code -1 (confluentinc/confluent-kafka-javascript#4 fixed this in its fork). A real-broker test
 * (test/integration/kafka/produce-consume.test.ts) keeps this text honest.
 */
const TOO_LARGE_REPORTED = 'message size too large';

function isTooLarge(err: { message: string; code?: number }): boolean {
  return err.code === MSG_SIZE_TOO_LARGE || err.message.toLowerCase() === TOO_LARGE_REPORTED;
}

/** A producer error as a RouterError: too large for good, anything else transient. */
function producerError(err: { message: string; code?: number }, what: string, topic: string, bytes: number): MessageTooLargeError | TransientError {
  const message = `${what}: ${err.message}`;
  if (isTooLarge(err)) return new MessageTooLargeError(`${message} (${bytes} bytes)`, topic, bytes, err);
  return new TransientError(message, { cause: err });
}

export class KafkaProducer implements MessageSink {
  private readonly producer: Kafka.Producer;
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 1;
  private connected = false;

  constructor(settings: LibrdkafkaSettings, private readonly log?: Logger) {
    this.producer = new Kafka.Producer({ ...settings, dr_cb: true } as Kafka.ProducerGlobalConfig, {});
    this.producer.on('delivery-report', (err, report) => {
      const id = report.opaque as number;
      const waiter = this.waiters.get(id);
      if (!waiter) return;
      this.waiters.delete(id);
      if (err) waiter.reject(producerError(err, `delivery to ${report.topic} failed`, report.topic, report.size));
      else waiter.resolve({ topic: report.topic, partition: report.partition, offset: report.offset });
    });
    this.producer.on('event.error', (err) => this.log?.warn({ err: err.message }, 'kafka producer error'));
  }

  async connect(timeoutMs = 30000): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.producer.connect({ timeout: timeoutMs }, (err) => (err ? reject(new TransientError(`producer connect failed: ${err.message}`, { cause: err })) : resolve()));
    });
    // Delivery reports gate commits and step completion: poll for them often.
    this.producer.setPollInterval(5);
    this.connected = true;
  }

  /** Enqueue a message and resolve with its delivery report. Retries briefly when the local queue is full. */
  produce(message: OutgoingMessage): Promise<DeliveryReport> {
    if (!this.connected) return Promise.reject(new TransientError('producer is not connected'));
    const id = this.nextId++;
    const delivered = new Promise<DeliveryReport>((resolve, reject) => this.waiters.set(id, { resolve, reject }));
    const value = typeof message.value === 'string' ? Buffer.from(message.value) : message.value;
    // Not async on purpose: the common case enqueues at once, with no extra promise per message.
    try {
      if (this.enqueue(message, value, id)) return delivered;
    } catch (err) {
      return Promise.reject(err);
    }
    return this.enqueueWhenRoom(message, value, id).then(() => delivered);
  }

  /** True when enqueued, false when librdkafka's local queue is full; throws a MessageTooLargeError or TransientError otherwise. */
  private enqueue(message: OutgoingMessage, value: Buffer, id: number): boolean {
    try {
      this.producer.produce(
        message.topic,
        message.partition ?? null,
        value,
        (message.key ?? null) as Kafka.MessageKey,
        message.timestamp ?? Date.now(),
        id,
        message.headers as Kafka.MessageHeader[] | undefined,
      );
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === Kafka.CODES.ERRORS.ERR__QUEUE_FULL) return false;
      this.waiters.delete(id);
      throw producerError(err as Error & { code?: number }, `produce to ${message.topic} failed`, message.topic, value.length);
    }
  }

  private async enqueueWhenRoom(message: OutgoingMessage, value: Buffer, id: number): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      await new Promise((r) => setTimeout(r, 10));
      if (this.enqueue(message, value, id)) return;
    }
    this.waiters.delete(id);
    throw new TransientError(`produce to ${message.topic} failed: local queue full`);
  }

  async flush(timeoutMs = 10000): Promise<void> {
    await new Promise<void>((resolve, reject) => this.producer.flush(timeoutMs, (err) => (err ? reject(err) : resolve())));
  }

  async disconnect(timeoutMs = 10000): Promise<void> {
    if (!this.connected) return;
    await this.flush(timeoutMs).catch((err) => this.log?.warn({ err: (err as Error).message }, 'flush before disconnect failed'));
    this.connected = false;
    await new Promise<void>((resolve) => this.producer.disconnect(timeoutMs, () => resolve()));
    for (const [id, waiter] of this.waiters) {
      waiter.reject(new TransientError('producer disconnected before delivery'));
      this.waiters.delete(id);
    }
  }
}
