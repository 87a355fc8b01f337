// `imagematching-router redrive`: reads the dead-letter topic up to its current end, keeps the letters that
// match the filters, and re-injects each into its rule's retry topic (due now), where only that rule picks it up.
import { randomUUID } from 'node:crypto';
import { loadConfigFile } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { KafkaConsumerClient, topicEnd } from '../kafka/consumer.ts';
import { KafkaProducer } from '../kafka/producer.ts';
import { consumerSettings, producerSettings } from '../kafka/client-config.ts';
import { buildRedriveMessage, deadLetterTopicName, parseDeadLetter } from '../engine/parking.ts';
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

export async function redrive(config: RouterConfig, filter: RedriveFilter, dryRun: boolean, print: (line: string) => void = () => undefined) {
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
        const failedAt = new Date(envelope.failed_at);
        if (filter.rule && envelope.rule !== filter.rule) continue;
        if (filter.since && failedAt < filter.since) continue;
        if (filter.until && failedAt >= filter.until) continue;
        print(`${dryRun ? 'would redrive' : 'redrive'} ${envelope.source.topic}/${envelope.source.partition}@${envelope.source.offset} rule=${envelope.rule} error=${envelope.error.class}: ${envelope.error.message}`);
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
