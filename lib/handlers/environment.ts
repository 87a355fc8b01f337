// What handlers may use from the outside world. The engine builds one environment per router process;
// tests build their own with real Kafka, PostgreSQL and a local HTTP server.
import type { Logger } from '../log.ts';
import type { RouterConfig } from '../config/schema.ts';
import type { DeliveryReport, OutgoingMessage } from '../kafka/producer.ts';
import type { Pool } from '../store/pool.ts';
import type { IoObserver } from '../engine/observer.ts';

export interface MessageSink {
  produce(message: OutgoingMessage): Promise<DeliveryReport>;
}

export interface HandlerEnvironment {
  readonly config: RouterConfig;
  readonly log: Logger;
  /** The default ("main") cluster's producer, or the file sink without Kafka. */
  readonly producer: MessageSink;
  /** The producer of a named Kafka cluster (see kafka.clusters); every cluster a rule uses is connected at start. */
  readonly producerFor?: (cluster: string) => MessageSink;
  /** Present when the router has a database; handlers that need one fail at start-up without it. */
  readonly pool?: Pool;
  /** Receives MediaWiki request and database write measurements (metrics); optional. */
  readonly io?: IoObserver;
}
