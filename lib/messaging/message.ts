// A message on its way to a topic, and what accepts one: the Kafka producer of a cluster, or the JSON-lines file
// sink of runs without Kafka. Produce resolves once the message is durable, so offsets may move past its cause.

export type Headers = Array<Record<string, string | Buffer>>;

export interface OutgoingMessage {
  topic: string;
  value: Buffer | string;
  key?: string | Buffer | null;
  partition?: number | null;
  headers?: Headers;
  timestamp?: number;
}

export interface DeliveryReport {
  topic: string;
  partition: number;
  offset: number;
}

/** Accepts messages; `produce` resolves with where the message landed once it is durable. */
export interface MessageSink {
  produce(message: OutgoingMessage): Promise<DeliveryReport>;
}
