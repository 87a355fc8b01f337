// `imagematching-router redrive`: reads the dead-letter topic up to its current end (on every cluster the rules park
// on), keeps the letters that match the filters, and re-injects each into its rule's retry topic (due now), where only
// that rule picks it up. Letters of unparseable events are left alone: re-injected, they would only fail again.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { commandLogger } from './command-logger.ts';
import { KafkaConsumerClient, topicEnd } from '../kafka/consumer.ts';
import { KafkaProducer } from '../kafka/producer.ts';
import { consumerSettings, producerSettings } from '../kafka/client-config.ts';
import { clusterKafkaConfig } from '../kafka/clusters.ts';
import { buildRedriveMessage, deadLetterTopicName, parseDeadLetter, type DeadLetterEnvelope } from '../engine/parking.ts';
import { FileTopicSink, topicFile, type FileRecord } from '../sources/file-log.ts';
import { DEFAULT_CLUSTER, type RouterConfig } from '../config/schema.ts';
import { loadEnabledRules } from '../app/router.ts';
import { handlers } from '../handlers/registry.ts';
import { suggest } from '../suggest.ts';
import type { ResolvedRule } from '../rules/schema.ts';
import { createProgressReporter, type ProgressReporter } from '../progress/progress-reporter.ts';
import { decide, redriveTable, RedriveGroups, type RedriveFilter, type RedriveGroup } from './redrive-report.ts';

export type { RedriveFilter };

export interface RedriveResult {
  /** Letters read. */
  scanned: number;
  /** Letters re-injected (or, in a dry run, that would be). */
  redriven: number;
  /** Selected letters of unparseable events, left alone (`--include-unparseable` re-injects them). */
  unparseable: number;
  /** Records that are no dead letter at all. */
  unreadable: number;
  groups: RedriveGroup[];
}

export interface RedriveCommandOptions {
  config: string;
  rule?: string;
  errorClass?: string;
  since?: string;
  until?: string;
  dryRun?: boolean;
  includeUnparseable?: boolean;
}

function parseTime(value: string | undefined, option: string): Date | undefined {
  if (value === undefined) return undefined;
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw new ConfigError(option, `not a valid time: ${JSON.stringify(value)}`);
  return t;
}

/** The rule `--rule` names, or a ConfigError (exit 2) listing the rules there are. */
export function checkRuleName(name: string | undefined, rules: readonly ResolvedRule[]): void {
  if (name === undefined || rules.some((r) => r.name === name)) return;
  const names = rules.map((r) => r.name);
  const hint = suggest(name, names);
  throw new ConfigError('--rule', `no enabled rule ${JSON.stringify(name)}${hint ? ` (did you mean "${hint}"?)` : ''}; the rules are: ${names.join(', ') || '(none)'}`);
}

export async function redriveCommand(opts: RedriveCommandOptions): Promise<number> {
  // Redrive reads dead letters and writes retry topics: it never opens the database, so `${DATABASE_URL}` may be unset.
  const { config } = loadConfigFile(opts.config, process.env, { unusedSections: ['database'] });
  const rules = loadEnabledRules(config, handlers);
  checkRuleName(opts.rule, rules);
  const filter: RedriveFilter = {
    rule: opts.rule,
    errorClass: opts.errorClass,
    since: parseTime(opts.since, '--since'),
    until: parseTime(opts.until, '--until'),
    includeUnparseable: opts.includeUnparseable === true,
  };
  const dryRun = opts.dryRun === true;
  // Progress and logs go to stderr: stdout is the letters and the table.
  const log = commandLogger(config, process.stderr);
  const progress = createProgressReporter({ label: 'redrive', stream: process.stderr, logger: log });
  const result = await redrive(config, filter, dryRun, (line) => console.log(line), { rules, progress });
  for (const line of redriveTable(result.groups, dryRun)) console.log(line);
  if (result.unparseable > 0) console.log(`left ${result.unparseable} dead letter(s) of unparseable events alone (--include-unparseable re-injects them)`);
  console.log(`${dryRun ? 'would re-inject' : 're-injected'} ${result.redriven} of ${result.scanned} dead letter(s)`);
  return 0;
}

function describe(envelope: DeadLetterEnvelope, dryRun: boolean): string {
  return `${dryRun ? 'would redrive' : 'redrive'} ${envelope.source.topic}/${envelope.source.partition}@${envelope.source.offset} rule=${envelope.rule} error=${envelope.error.class} failed_at=${envelope.failed_at}: ${envelope.error.message}`;
}

/** Counts and decides letter by letter; `inject` produces the selected ones. */
class RedriveRun {
  readonly result: RedriveResult = { scanned: 0, redriven: 0, unparseable: 0, unreadable: 0, groups: [] };
  private readonly groups = new RedriveGroups();

  constructor(
    private readonly filter: RedriveFilter,
    private readonly dryRun: boolean,
    private readonly print: (line: string) => void,
    private readonly progress: ProgressReporter | undefined,
  ) {}

  async letter(read: () => DeadLetterEnvelope, where: string, inject: (envelope: DeadLetterEnvelope) => Promise<void>): Promise<void> {
    const r = this.result;
    r.scanned++;
    let envelope: DeadLetterEnvelope;
    try {
      envelope = read();
    } catch (err) {
      r.unreadable++;
      this.print(`skipped ${where}: ${(err as Error).message}`);
      return;
    }
    const decision = decide(envelope, this.filter);
    if (decision === 'unparseable') {
      r.unparseable++;
      this.groups.add(envelope, 'unparseable');
    } else if (decision === 'redrive') {
      this.print(describe(envelope, this.dryRun));
      if (!this.dryRun) await inject(envelope);
      r.redriven++;
      this.groups.add(envelope, 'redrive');
    }
    this.progress?.update(r.scanned, undefined, { redriven: r.redriven, unparseable: r.unparseable });
  }

  finish(): RedriveResult {
    const r = { ...this.result, groups: this.groups.list() };
    this.progress?.finish({ scanned: r.scanned, redriven: r.redriven, unparseable: r.unparseable, unreadable: r.unreadable, dryRun: this.dryRun });
    return r;
  }
}

/** Without Kafka, dead letters are a JSON-lines file and retry topics are files the router reads back. */
async function redriveFiles(config: RouterConfig, run: RedriveRun, dryRun: boolean): Promise<void> {
  const dir = join(config.source.state_dir, 'topics');
  const file = topicFile(dir, deadLetterTopicName(config.service.name));
  if (!existsSync(file)) return;
  const sink = dryRun ? null : new FileTopicSink(dir);
  try {
    let n = 0;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      n++;
      const read = () => {
        const record = JSON.parse(line) as FileRecord;
        return parseDeadLetter(Buffer.from(record.value, record.value_encoding === 'base64' ? 'base64' : 'utf8'));
      };
      await run.letter(read, `line ${n} of ${file}`, async (envelope) => void (await sink!.produce(buildRedriveMessage(config.service.name, envelope, Date.now()))));
    }
  } finally {
    await sink?.close();
  }
}

/**
 * The clusters whose dead-letter topics to read: those the (selected) rules park on. Two names for the same brokers
 * are read once, or each letter would be re-injected twice.
 */
export function redriveClusters(config: RouterConfig, rules: readonly ResolvedRule[], rule: string | undefined): string[] {
  const byBrokers = new Map<string, string>();
  for (const r of rules) {
    if (rule !== undefined && r.name !== rule) continue;
    const brokers = clusterKafkaConfig(config.kafka, r.cluster).brokers;
    if (!byBrokers.has(brokers)) byBrokers.set(brokers, r.cluster);
  }
  // With no rule enabled, old letters can still be on the main cluster.
  return byBrokers.size > 0 ? [...byBrokers.values()] : [DEFAULT_CLUSTER];
}

async function redriveCluster(config: RouterConfig, cluster: string, run: RedriveRun): Promise<void> {
  const kafka = clusterKafkaConfig(config.kafka, cluster);
  const topic = deadLetterTopicName(config.service.name);
  const settings = consumerSettings(kafka, `${config.service.name}-redrive-${randomUUID()}`);
  const ends = await topicEnd(settings, topic);
  const remaining = new Map(ends.filter((e) => e.high > 0).map((e) => [e.partition, e.high]));
  if (remaining.size === 0) return;
  const consumer = new KafkaConsumerClient(settings);
  const producer = new KafkaProducer(producerSettings(kafka));
  await Promise.all([consumer.connect(), producer.connect()]);
  try {
    consumer.subscribe([topic]);
    const deadline = Date.now() + 120_000;
    while (remaining.size > 0 && Date.now() < deadline) {
      for (const message of await consumer.consumeBatch(500)) {
        const end = remaining.get(message.partition);
        if (end === undefined || message.offset >= end) continue;
        if (message.offset + 1 >= end) remaining.delete(message.partition);
        await run.letter(() => parseDeadLetter(message.value), `${cluster}:${topic}/${message.partition}@${message.offset}`, (envelope) =>
          producer.produce(buildRedriveMessage(config.service.name, envelope, Date.now())).then(() => undefined),
        );
      }
    }
    if (remaining.size > 0) throw new Error(`redrive did not reach the end of ${topic} on cluster ${cluster} within 120 s`);
  } finally {
    await producer.disconnect();
    await consumer.disconnect();
  }
}

export async function redrive(
  config: RouterConfig,
  filter: RedriveFilter,
  dryRun: boolean,
  print: (line: string) => void = () => undefined,
  options: { rules?: readonly ResolvedRule[]; progress?: ProgressReporter } = {},
): Promise<RedriveResult> {
  const run = new RedriveRun(filter, dryRun, print, options.progress);
  if (config.source.type !== 'kafka') {
    await redriveFiles(config, run, dryRun);
  } else {
    const rules = options.rules ?? loadEnabledRules(config, handlers);
    for (const cluster of redriveClusters(config, rules, filter.rule)) await redriveCluster(config, cluster, run);
  }
  return run.finish();
}
