// Readiness: is PostgreSQL answering SELECT 1, does a Kafka broker answer a metadata request, and are the
// rule consumers running. Each probe has a short deadline so /readyz answers quickly even when a dependency hangs.
import Kafka from 'node-rdkafka';
import type { Pool } from '../store/pool.ts';
import type { LibrdkafkaSettings } from '../kafka/client-config.ts';

export interface Health {
  /** null when the router does not use Kafka (file or EventStreams source). */
  kafka: boolean | null;
  database: boolean;
  reasons: string[];
  /** Set while the admin API runs ahead of the router (bound, router still starting). */
  starting?: boolean;
}

export interface ReadinessCheck {
  check(): Promise<Health>;
  close(): Promise<void>;
}

/** Resolves with the promise's value, or rejects after `ms` (the probe keeps running; its result is dropped). */
function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export async function probeDatabase(pool: Pick<Pool, 'query'>, timeoutMs: number): Promise<string | null> {
  try {
    await withDeadline(pool.query('SELECT 1'), timeoutMs, 'PostgreSQL');
    return null;
  } catch (err) {
    return `database: ${(err as Error).message}`;
  }
}

/**
 * A metadata-only Kafka client: asks a broker for cluster metadata (no topics) to prove one is reachable.
 * Reconnects on the next probe after a failed connect, so a broker that was down at start-up is found later.
 */
export class KafkaProbe {
  private client: Kafka.Producer | null = null;

  constructor(private readonly settings: LibrdkafkaSettings) {}

  async probe(timeoutMs: number): Promise<string | null> {
    try {
      const client = await this.connected(timeoutMs);
      await new Promise<void>((resolve, reject) =>
        client.getMetadata({ timeout: timeoutMs, allTopics: false }, (err, md) =>
          err ? reject(new Error(err.message)) : md.brokers.length === 0 ? reject(new Error('no brokers in metadata')) : resolve(),
        ),
      );
      return null;
    } catch (err) {
      return `kafka: ${(err as Error).message}`;
    }
  }

  private async connected(timeoutMs: number): Promise<Kafka.Producer> {
    if (this.client?.isConnected()) return this.client;
    await this.close();
    const client = new Kafka.Producer(this.settings as Kafka.ProducerGlobalConfig, {});
    try {
      await new Promise<void>((resolve, reject) => client.connect({ timeout: timeoutMs }, (err) => (err ? reject(new Error(err.message)) : resolve())));
    } catch (err) {
      client.disconnect(() => {});
      throw err;
    }
    this.client = client;
    return client;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await new Promise<void>((resolve) => client.disconnect(2000, () => resolve()));
  }
}

/** One probe per Kafka cluster: ready when every cluster answers; a failure names its cluster. */
export class ClusterProbes {
  constructor(private readonly probes: ReadonlyMap<string, Pick<KafkaProbe, 'probe' | 'close'>>) {}

  async probe(timeoutMs: number): Promise<string | null> {
    const results = await Promise.all([...this.probes].map(async ([cluster, p]) => {
      const failure = await p.probe(timeoutMs);
      return failure === null ? null : this.probes.size === 1 ? failure : failure.replace(/^kafka:/, `kafka (${cluster}):`);
    }));
    const failures = results.filter((r): r is string => r !== null);
    return failures.length === 0 ? null : failures.join('; ');
  }

  async close(): Promise<void> {
    await Promise.all([...this.probes.values()].map((p) => p.close()));
  }
}

/** Settings for the probe: the router's producer settings (security, brokers) without idempotence, own client id. */
export function kafkaProbeSettings(producerSettings: LibrdkafkaSettings): LibrdkafkaSettings {
  const { dr_cb: _dr, ...rest } = producerSettings;
  return { ...rest, 'client.id': `${String(rest['client.id'] ?? 'imagematching-router')}-probe`, 'enable.idempotence': false };
}

export interface ReadinessOptions {
  pool: Pick<Pool, 'query'>;
  /** Absent when the router does not use Kafka (source.type file or eventstreams). */
  kafka?: Pick<KafkaProbe, 'probe' | 'close'>;
  /** Rule consumers: a rule that is stopping or stopped makes the router not ready. */
  rules: () => ReadonlyArray<{ name: string; status: string }>;
  timeoutMs?: number;
}

export function createReadinessCheck(options: ReadinessOptions): ReadinessCheck {
  const timeoutMs = options.timeoutMs ?? 2000;
  return {
    async check() {
      const [db, kafka] = await Promise.all([probeDatabase(options.pool, timeoutMs), options.kafka ? options.kafka.probe(timeoutMs) : null]);
      const reasons = [db, kafka].filter((r): r is string => r !== null);
      for (const rule of options.rules()) {
        if (rule.status === 'stopping' || rule.status === 'stopped' || rule.status === 'starting') reasons.push(`rule ${rule.name}: ${rule.status}`);
      }
      return { kafka: options.kafka ? kafka === null : null, database: db === null, reasons };
    },
    close: async () => {
      await options.kafka?.close();
    },
  };
}
