// What every scenario shares: options, the result row, the real rule file, and the run skeleton
// (backlog → router drains it → rate-limited phase → baselines → clean-up of topics and database).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { createTopics, deleteTopics } from '../../lib/kafka/admin.ts';
import type { KafkaProducer } from '../../lib/kafka/producer.ts';
import { MachineCpuSampler } from './machine-cpu.ts';
import {
  KAFKA_BROKERS,
  REPO,
  benchConfigOverrides,
  createDatabase,
  openProducer,
  produceAtRate,
  produceBacklog,
  startRouterChild,
  uniqueName,
  writeConfig,
  type BenchDatabase,
  type BenchMessage,
  type RouterChild,
} from './services.ts';

export interface ScenarioOptions {
  events: number;
  /** Events per second of the rate-limited latency phase (0 skips it). */
  rate: number;
  rateSeconds: number;
  partitions: number;
  workDir: string;
  cpuProfDir?: string;
  /** Extra node/V8 flags for the router child (experiments: GC tracing, heap sizes). */
  nodeFlags?: string[];
  /** Overrides the rule's `concurrency` (keys in flight), to show how throughput scales with it. */
  concurrency?: number;
  log(line: string): void;
}

export interface ScenarioResult {
  name: string;
  events: number;
  events_per_s: number;
  p50_ms: number;
  p99_ms: number;
  peak_rss_mb: number;
  baseline_events_per_s: number;
  ratio_to_baseline: number;
  [extra: string]: unknown;
}

/** One rule of rules/image_matching.yaml, as YAML text, with string replacements (e.g. the output topic). */
export function realRule(name: string, replace: Record<string, string> = {}): string {
  const doc = yaml.load(readFileSync(join(REPO, 'rules/image_matching.yaml'), 'utf8')) as { rules: Array<Record<string, unknown>> };
  const rule = doc.rules.find((r) => r.name === name);
  if (!rule) throw new Error(`rules/image_matching.yaml has no rule ${name}`);
  let text = yaml.dump({ rules: [rule] }, { lineWidth: -1 });
  for (const [from, to] of Object.entries(replace)) text = text.replaceAll(from, to);
  return text;
}

/** What a scenario measures itself: latency, baseline, and any extra fields. */
export interface Measured {
  p50_ms: number;
  p99_ms: number;
  baseline_events_per_s: number;
  ratio_to_baseline: number;
  [extra: string]: unknown;
}

export interface RunContext {
  service: string;
  prefix: string;
  db: BenchDatabase;
  producer: KafkaProducer;
  router: RouterChild;
  /** Topic the backlog went to. */
  topic: string;
  /** Router throughput over the backlog: events / (last finished − first consumed). */
  eventsPerS: number;
  drainSeconds: number;
  produceEventsPerS: number;
  rateEvents: number;
  outcomes: Record<string, number>;
}

export interface RouterRun {
  name: string;
  stream: string;
  rules: (ctx: { prefix: string; service: string }) => string;
  extraTopics?: (ctx: { prefix: string; service: string }) => string[];
  apiUrl?: string;
  /** Router settings of this run over the production defaults (e.g. `illustrated`). */
  config?: Record<string, unknown>;
  backlog(i: number): BenchMessage;
  /** Once the backlog is drained, before the rate-limited phase. */
  backlogDrained?(): void;
  rateEvent(i: number): BenchMessage;
  /** After the backlog and the rate phase drained, with the router still running. */
  measure(ctx: RunContext): Promise<Measured>;
}

/** The skeleton: everything created here is removed in `finally`, whatever happens. */
export async function runRouterScenario(run: RouterRun, options: ScenarioOptions): Promise<ScenarioResult> {
  const service = uniqueName(`imr-bench-${run.name}`);
  const prefix = uniqueName('imrbench');
  const names = { prefix, service };
  const topic = `${prefix}.${run.stream}`;
  const extra = run.extraTopics?.(names) ?? [];
  const created = [topic, ...extra, `${service}.retry.${topic}`, `${service}.error`];
  const db = await createDatabase();
  let producer: KafkaProducer | null = null;
  let router: RouterChild | null = null;
  let machineCpu: MachineCpuSampler | null = null;
  try {
    await createTopics(KAFKA_BROKERS, [topic, ...extra].map((t) => ({ topic: t, partitions: options.partitions })));
    producer = await openProducer();
    options.log(`  producing ${options.events} events to ${topic}`);
    const produceEventsPerS = await produceBacklog(producer, topic, options.events, run.backlog);
    options.log(`  produced at ${Math.round(produceEventsPerS)} events/s; starting the router`);
    let rules = run.rules(names);
    if (options.concurrency) rules = rules.replace(/concurrency: \d+/g, `concurrency: ${options.concurrency}`);
    const config = writeConfig({ service, prefix, databaseUrl: db.url, rules, ...(run.apiUrl ? { apiUrl: run.apiUrl } : {}), ...(run.config ? { config: run.config } : {}) });
    router = await startRouterChild(config, join(options.workDir, `${run.name}-router.log`), options.cpuProfDir, options.nodeFlags);
    machineCpu = new MachineCpuSampler(router.pid);
    const timeoutMs = Math.max(120_000, options.events * 5);
    await router.waitFinished(options.events, timeoutMs);
    run.backlogDrained?.();
    const p = router.progress;
    const drainSeconds = ((p.lastFinishedAt ?? 0) - (p.firstConsumedAt ?? 0)) / 1000;
    const eventsPerS = options.events / drainSeconds;
    const backlogPeak = router.peakRssMb();
    // CPU per event is steadier than events/s on a shared machine: another process's load slows the drain, not
    // the work the router does per event. The window starts at the first report after the first consumed event.
    const cpuUsPerEvent = ((p.cpuMs - (router.cpuMsAtFirstConsume ?? 0)) * 1000) / options.events;
    options.log(
      `  router drained the backlog: ${Math.round(eventsPerS)} events/s over ${drainSeconds.toFixed(1)} s, ` +
        `${cpuUsPerEvent.toFixed(1)} µs of router CPU per event, peak RSS ${backlogPeak.toFixed(0)} MB ` +
        `(at start ${router.startRssMb.toFixed(0)} MB; now RSS ${p.rssMb.toFixed(0)} MB, heap ${p.heapMb.toFixed(0)} MB)`,
    );
    const cpuShare = machineCpu.share(p.firstConsumedAt ?? 0, p.lastFinishedAt ?? 0);
    if (cpuShare) {
      options.log(
        `  machine CPU during the drain, in cores of ${cpuShare.cores}: router ${cpuShare.router}, PostgreSQL ${cpuShare.postgres}, ` +
          `broker ${cpuShare.kafka}, bench ${cpuShare.bench}, other ${cpuShare.other}, idle ${cpuShare.idle}`,
      );
    }
    let rateEvents = 0;
    if (options.rate > 0) {
      options.log(`  rate-limited phase: ${options.rate} events/s for ${options.rateSeconds} s`);
      rateEvents = await produceAtRate(producer, topic, options.rate, options.rateSeconds, run.rateEvent);
      await router.waitFinished(options.events + rateEvents, 120_000);
    }
    const outcomes = { ...router.progress.finished };
    const measured = await run.measure({ service, prefix, db, producer, router, topic, eventsPerS, drainSeconds, produceEventsPerS, rateEvents, outcomes });
    const peak = router.peakRssMb();
    await router.stop();
    router = null;
    return {
      name: run.name,
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(process.env.BENCH_EXPERIMENTS ? { experiments: process.env.BENCH_EXPERIMENTS } : {}),
      ...(run.config ? { config: run.config } : {}),
      ...(process.env.BENCH_CONFIG ? { config_overrides: benchConfigOverrides() } : {}),
      ...(options.nodeFlags?.length ? { node_flags: options.nodeFlags.join(' ') } : {}),
      events: options.events,
      events_per_s: Math.round(eventsPerS),
      ...measured,
      peak_rss_mb: Math.round(peak),
      backlog_peak_rss_mb: Math.round(backlogPeak),
      drain_seconds: Number(drainSeconds.toFixed(2)),
      router_cpu_us_per_event: Number(cpuUsPerEvent.toFixed(1)),
      ...(cpuShare ? { drain_machine_cpu_cores: cpuShare } : {}),
      produce_events_per_s: Math.round(produceEventsPerS),
      rate_events: rateEvents,
      outcomes,
    };
  } finally {
    machineCpu?.stop();
    await router?.stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await deleteTopics(KAFKA_BROKERS, created).catch(() => undefined);
    await db.drop().catch((err) => options.log(`  could not drop ${db.url}: ${(err as Error).message}`));
  }
}

/** Latency percentiles (ms) of a SQL query returning one `ms` column. */
export async function latencyFromSql(databaseUrl: string, sql: string): Promise<{ p50: number; p99: number; n: number; max: number }> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ p50: number; p99: number; n: string; max: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
              count(*) AS n, max(ms) AS max FROM (${sql}) AS t`,
    );
    const r = rows[0]!;
    return { p50: Number(Number(r.p50).toFixed(1)), p99: Number(Number(r.p99).toFixed(1)), n: Number(r.n), max: Number(Number(r.max).toFixed(1)) };
  } finally {
    await client.end();
  }
}

export function ratio(value: number, baseline: number): number {
  return Number((value / baseline).toFixed(3));
}

/**
 * The fields every database-backed scenario reports: latency, and the baseline, which is the slower of raw
 * consumption and the hand-written upsert of the same rows.
 */
export function rowScenarioFields(eventsPerS: number, latency: { p50: number; p99: number; n: number; max: number }, consume: number, upsert: number) {
  const baseline = Math.min(consume, upsert);
  return {
    p50_ms: latency.p50,
    p99_ms: latency.p99,
    latency_max_ms: latency.max,
    latency_rows: latency.n,
    baseline_events_per_s: Math.round(baseline),
    ratio_to_baseline: ratio(eventsPerS, baseline),
    baseline_consume_events_per_s: Math.round(consume),
    baseline_upsert_rows_per_s: Math.round(upsert),
  };
}
