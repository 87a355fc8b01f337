// Shared pieces for engine tests: a config file in a temp folder, a local HTTP server that records the
// effects (and can be slow or failing on demand), producing and reading topics, and router child processes.
import { mkdtempSync, readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KafkaProducer } from '../../lib/kafka/producer.ts';
import { KafkaConsumerClient, type ConsumedMessage } from '../../lib/kafka/consumer.ts';
import { consumerSettings, producerSettings } from '../../lib/kafka/client-config.ts';
import { KAFKA_BROKERS, TEST_DATABASE_URL, waitFor } from './services.ts';
import { parseConfig } from '../../lib/config/load.ts';
import type { RouterConfig } from '../../lib/config/schema.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const kafka = { brokers: KAFKA_BROKERS, client_id: 'imr-test', consumer: {}, producer: {} };

export function writeRouterConfig(options: { service: string; rules: string; extra?: string; databaseUrl?: string; maxPending?: number }): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'imr-test-'));
  writeFileSync(join(dir, 'rules.yaml'), options.rules);
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `service: {name: ${options.service}}
kafka:
  brokers: ${KAFKA_BROKERS}
  dc_prefixes: [""]
  commit_interval_ms: 100
  max_pending_per_partition: ${options.maxPending ?? 2000}
  shutdown_timeout_ms: 5000
  consumer: {"session.timeout.ms": 6000, "heartbeat.interval.ms": 500}
database: {url: "${options.databaseUrl ?? TEST_DATABASE_URL}", migrate_on_start: false}
http: {allowed_hosts: ["127.0.0.1"]}
${options.extra?.includes('admin:') ? '' : 'admin: {listen: "127.0.0.1:0"}\n'}rules: {paths: [rules.yaml]}
log: {level: ${process.env.TEST_LOG_LEVEL ?? 'warn'}}
${options.extra ?? ''}`,
  );
  return { dir, config };
}

export interface RecordedRequest {
  path: string;
  body: Record<string, unknown>;
  startedAt: number;
  finishedAt: number;
}

/** An HTTP server standing in for a downstream service; each request is one event's effect. */
export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  /** Status to answer with (per request path prefix decides nothing: one global knob keeps tests readable). */
  status = 200;
  delayMs: (body: Record<string, unknown>) => number = () => 0;
  private server: Server | null = null;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const startedAt = performance.now();
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
        } catch {
          /* not JSON */
        }
        const status = this.status;
        setTimeout(() => {
          if (status >= 200 && status < 300) this.requests.push({ path: req.url ?? '', body, startedAt, finishedAt: performance.now() });
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end('{}');
        }, this.delayMs(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  seen(field: string): Set<unknown> {
    return new Set(this.requests.map((r) => r.body[field]));
  }
}

export async function withProducer<T>(fn: (p: KafkaProducer) => Promise<T>): Promise<T> {
  const producer = new KafkaProducer(producerSettings(kafka));
  await producer.connect();
  try {
    return await fn(producer);
  } finally {
    await producer.disconnect();
  }
}

/** Read at least `count` messages from the start of a topic (a throw-away consumer group). */
export async function readTopic(topic: string, count: number, timeoutMs = 60000): Promise<ConsumedMessage[]> {
  const consumer = new KafkaConsumerClient(consumerSettings(kafka, `imr-test-reader-${Math.random()}`));
  await consumer.connect();
  consumer.subscribe([topic]);
  const got: ConsumedMessage[] = [];
  try {
    await waitFor(`${count} message(s) on ${topic}`, async () => {
      got.push(...(await consumer.consumeBatch(500)));
      return got.length >= count || undefined;
    }, timeoutMs, 0);
  } finally {
    await consumer.disconnect();
  }
  return got;
}

export async function committedOffsets(group: string, topic: string, partitions: number[]): Promise<Map<number, number>> {
  const consumer = new KafkaConsumerClient(consumerSettings(kafka, group));
  await consumer.connect();
  try {
    const tps = await consumer.committed(partitions.map((partition) => ({ topic, partition })));
    return new Map(tps.map((tp) => [tp.partition, tp.offset]));
  } finally {
    await consumer.disconnect();
  }
}

export interface RouterProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
}

export function startRouterProcess(config: string, logFile: string): RouterProcess {
  const child = spawn(process.execPath, [join(REPO, 'bin/imagematching-router.js'), 'run', '--config', config], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited };
}

/**
 * A router config running rules/image_matching.yaml (each `replace` applied to its text: output topics, `enabled`)
 * on the real broker with topics under `prefix`, a database and a local API: what the end-to-end tests run.
 */
export function shippedRulesConfig(options: {
  service: string;
  prefix: string;
  databaseUrl: string;
  apiUrl: string;
  replace: Record<string, string>;
  allowedDomains?: string[];
  /** More YAML at the top level (e.g. `illustrated: {settle_ms: 3000}`). */
  extra?: string;
}): RouterConfig {
  const dir = mkdtempSync(join(tmpdir(), 'imr-shipped-'));
  let rules = readFileSync(join(REPO, 'rules/image_matching.yaml'), 'utf8');
  for (const [from, to] of Object.entries(options.replace)) {
    if (!rules.includes(from)) throw new Error(`rules/image_matching.yaml has no ${JSON.stringify(from)} to replace`);
    rules = rules.replace(from, to);
  }
  writeFileSync(join(dir, 'image_matching.yaml'), rules);
  return parseConfig(
    `service: {name: ${options.service}}
kafka:
  brokers: ${KAFKA_BROKERS}
  dc_prefixes: ["${options.prefix}"]
  commit_interval_ms: 100
  shutdown_timeout_ms: 5000
  consumer: {"session.timeout.ms": 6000, "heartbeat.interval.ms": 500}
database: {url: "${options.databaseUrl}", migrate_on_start: true}
mediawiki:
  api_url: "${options.apiUrl}"
  allowed_domains: ${JSON.stringify(options.allowedDomains ?? ['*.wikipedia.org'])}
  batch_linger_ms: 5
rules: {paths: ["${join(dir, 'image_matching.yaml')}"]}
log: {level: ${process.env.TEST_LOG_LEVEL ?? 'warn'}}
${options.extra ?? ''}`,
    {},
  );
}
