// `imagematching-router redrive`: reads the dead-letter topic up to its current end, keeps the letters that
// match the filters, and re-injects each into its rule's retry topic (due now), where only that rule picks it up.
import { randomUUID } from 'node:crypto';
import { loadConfigFile } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { KafkaConsumerClient, topicEnd } from '../kafka/consumer.ts';
import { KafkaProducer } from '../kafka/producer.ts';
import { consumerSettings, producerSettings } from '../kafka/client-config.ts';
import { buildRedriveMessage, deadLetterTopicName, parseDeadLetter, type DeadLetterEnvelope } from '../engine/parking.ts';
import { FileTopicSink, topicFile, type FileRecord } from '../sources/file-log.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RouterConfig } from '../config/schema.ts';

export interface RedriveFilter {
  rule?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}

function parseTime(value: string | undefined, option: string): Date | undefined {
  if (value === undefined) return undefined;
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw new ConfigError(option, `not a valid time: ${JSON.stringify(value)}`);
  return t;
}

export async function redriveCommand(opts: { config: string; rule?: string; since?: string; until?: string; dryRun?: boolean }): Promise<number> {
  const { config } = loadConfigFile(opts.config);
  const filter = { rule: opts.rule, since: parseTime(opts.since, '--since'), until: parseTime(opts.until, '--until') };
  const result = await redrive(config, filter, opts.dryRun === true, (line) => console.log(line));
  console.log(`${opts.dryRun ? 'would re-inject' : 're-injected'} ${result.redriven} of ${result.scanned} dead letter(s)`);
  return 0;
}

function selected(envelope: DeadLetterEnvelope, filter: RedriveFilter): boolean {
  const failedAt = new Date(envelope.failed_at);
  if (filter.rule && envelope.rule !== filter.rule) return false;
  if (filter.since && failedAt < filter.since) return false;
  if (filter.until && failedAt >= filter.until) return false;
  return true;
}

function describe(envelope: DeadLetterEnvelope, dryRun: boolean): string {
  return `${dryRun ? 'would redrive' : 'redrive'} ${envelope.source.topic}/${envelope.source.partition}@${envelope.source.offset} rule=${envelope.rule} error=${envelope.error.class}: ${envelope.error.message}`;
}

/** Without Kafka, dead letters are a JSON-lines file and retry topics are files the router reads back. */
async function redriveFiles(config: RouterConfig, filter: RedriveFilter, dryRun: boolean, print: (line: string) => void) {
  const dir = join(config.source.state_dir, 'topics');
  const file = topicFile(dir, deadLetterTopicName(config.service.name));
  let scanned = 0;
  let redriven = 0;
  if (!existsSync(file)) return { scanned, redriven };
  const sink = new FileTopicSink(dir);
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      scanned++;
      let envelope: DeadLetterEnvelope;
      try {
        const record = JSON.parse(line) as FileRecord;
        envelope = parseDeadLetter(Buffer.from(record.value, record.value_encoding === 'base64' ? 'base64' : 'utf8'));
      } catch (err) {
        print(`skipped line ${scanned} of ${file}: ${(err as Error).message}`);
        continue;
      }
      if (!selected(envelope, filter)) continue;
      print(describe(envelope, dryRun));
      if (!dryRun) await sink.produce(buildRedriveMessage(config.service.name, envelope, Date.now()));
      redriven++;
    }
  } finally {
    await sink.close();
  }
  return { scanned, redriven };
}

export async function redrive(config: RouterConfig, filter: RedriveFilter, dryRun: boolean, print: (line: string) => void = () => undefined) {
  if (config.source.type !== 'kafka') return redriveFiles(config, filter, dryRun, print);
  const topic = deadLetterTopicName(config.service.name);
  const settings = consumerSettings(config.kafka, `${config.service.name}-redrive-${randomUUID()}`);
  const ends = await topicEnd(settings, topic);
  const remaining = new Map(ends.filter((e) => e.high > 0).map((e) => [e.partition, e.high]));
  let scanned = 0;
  let redriven = 0;
  if (remaining.size === 0) return { scanned, redriven };
  const consumer = new KafkaConsumerClient(settings);
  const producer = new KafkaProducer(producerSettings(config.kafka));
  await Promise.all([consumer.connect(), producer.connect()]);
  try {
    consumer.subscribe([topic]);
    const deadline = Date.now() + 120_000;
    while (remaining.size > 0 && Date.now() < deadline) {
      for (const message of await consumer.consumeBatch(500)) {
        const end = remaining.get(message.partition);
        if (end === undefined || message.offset >= end) continue;
        if (message.offset + 1 >= end) remaining.delete(message.partition);
        scanned++;
        let envelope;
        try {
          envelope = parseDeadLetter(message.value);
        } catch (err) {
          print(`skipped ${topic}/${message.partition}@${message.offset}: ${(err as Error).message}`);
          continue;
        }
        if (!selected(envelope, filter)) continue;
        print(describe(envelope, dryRun));
        if (!dryRun) await producer.produce(buildRedriveMessage(config.service.name, envelope, Date.now()));
        redriven++;
      }
    }
    if (remaining.size > 0) throw new Error(`redrive did not reach the end of ${topic} within 120 s`);
  } finally {
    await producer.disconnect();
    await consumer.disconnect();
  }
  return { scanned, redriven };
}
