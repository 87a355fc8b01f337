// The router under test, in its own process so its memory (VmHWM) and CPU profile are its own: the same
// Router.start as `imagematching-router run`, plus an observer that reports progress to the bench over IPC.
//   node --import tsx bench/lib/router-child.ts CONFIG
import { loadConfigFile } from '../../lib/config/load.ts';
import { pino } from 'pino';
import { createLogger } from '../../lib/log.ts';
import { Router } from '../../lib/app/router.ts';
import { applyHeapGrowth } from '../../lib/cli/heap-growth.ts';
import { KafkaConsumerClient } from '../../lib/kafka/consumer.ts';
import { KafkaProducer } from '../../lib/kafka/producer.ts';
import { noopObserver, type EngineObserver, type EventOutcome } from '../../lib/engine/observer.ts';

export interface ChildProgress {
  type: 'progress';
  consumed: number;
  finished: Record<string, number>;
  firstConsumedAt: number | null;
  lastFinishedAt: number | null;
  rssMb: number;
  heapMb: number;
  /** User + system CPU time of the router process so far. */
  cpuMs: number;
}

const configFile = process.argv[2];
if (!configFile || !process.send) {
  console.error('usage: node --import tsx bench/lib/router-child.ts CONFIG (spawned by bench/run.ts with an IPC channel)');
  process.exit(2);
}

let consumed = 0;
let firstConsumedAt: number | null = null;
let lastFinishedAt: number | null = null;
const finished: Record<string, number> = {};

const observer: EngineObserver = {
  ...noopObserver,
  consumed() {
    consumed += 1;
    firstConsumedAt ??= Date.now();
  },
  finished(_rule: string, _topic: string, outcome: EventOutcome) {
    finished[outcome] = (finished[outcome] ?? 0) + 1;
    lastFinishedAt = Date.now();
  },
};

// Experiments (BENCH_EXPERIMENTS=name=value,...) measure a proposed change to lib/ without editing it:
//   consume_timeout_ms=N  per-message wait of KafkaConsumerClient.consumeBatch (lib/kafka/consumer.ts sets 10)
//   producer_poll_ms=N    delivery-report poll interval of KafkaProducer (lib/kafka/producer.ts sets 5)
//   alloc_profile=FILE    sample every allocation site (collected objects included) into FILE (.heapprofile)
//   kafka_stats=1         logs librdkafka's per-partition rxmsgs at stop (with BENCH_CONFIG setting
//                         kafka.consumer statistics.interval.ms): messages fetched from the broker vs consumed
//   log_no_redact=1       a pino logger without the redact paths (each per-event child re-parses them)
//   memory_trace=1        logs process.memoryUsage() (MB) every second: where RSS beyond the V8 heap goes
//   elu_trace=1           logs the event loop's utilisation over each second: whether the loop itself is the limit
const experiments = new Map(
  (process.env.BENCH_EXPERIMENTS ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]),
);

/** Runs `then` on the node-rdkafka client inside every `Client` once it has connected. */
function afterConnect<T extends { connect(timeoutMs?: number): Promise<void> }>(
  Client: { prototype: T },
  field: 'consumer' | 'producer',
  then: (client: Record<string, unknown> & NodeJS.EventEmitter) => void,
): void {
  const connect = Client.prototype.connect;
  Client.prototype.connect = async function (this: T, timeoutMs?: number) {
    await connect.call(this, timeoutMs);
    then((this as unknown as Record<string, Record<string, unknown> & NodeJS.EventEmitter>)[field]!);
  };
}

if (experiments.has('consume_timeout_ms')) {
  const ms = Number(experiments.get('consume_timeout_ms'));
  afterConnect(KafkaConsumerClient, 'consumer', (c) => (c.setDefaultConsumeTimeout as (ms: number) => void).call(c, ms));
}
if (experiments.has('producer_poll_ms')) {
  const ms = Number(experiments.get('producer_poll_ms'));
  afterConnect(KafkaProducer, 'producer', (p) => (p.setPollInterval as (ms: number) => void).call(p, ms));
}

const allocationProfile = experiments.get('alloc_profile');
const inspector = allocationProfile ? new (await import('node:inspector')).Session() : undefined;
if (inspector) {
  inspector.connect();
  inspector.post('HeapProfiler.startSampling', {
    samplingInterval: 16_384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}

const fetched = new Map<string, number>();
if (experiments.has('memory_trace')) {
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  setInterval(() => {
    const m = process.memoryUsage();
    process.stderr.write(`memory_trace rss=${mb(m.rss)} heap_total=${mb(m.heapTotal)} heap_used=${mb(m.heapUsed)} external=${mb(m.external)} array_buffers=${mb(m.arrayBuffers)}\n`);
  }, 1000).unref();
}
if (experiments.has('elu_trace')) {
  let last = performance.eventLoopUtilization();
  setInterval(() => {
    const now = performance.eventLoopUtilization();
    process.stderr.write(`elu_trace ${performance.eventLoopUtilization(now, last).utilization.toFixed(2)}\n`);
    last = now;
  }, 1000).unref();
}
if (experiments.has('kafka_stats')) {
  afterConnect(KafkaConsumerClient, 'consumer', (consumer) =>
    consumer.on('event.stats', (event: { message: string }) => {
      const stats = JSON.parse(event.message) as { name: string; topics?: Record<string, { partitions: Record<string, { rxmsgs: number }> }> };
      for (const [topic, t] of Object.entries(stats.topics ?? {})) {
        for (const [partition, p] of Object.entries(t.partitions)) if (partition !== '-1') fetched.set(`${stats.name} ${topic}/${partition}`, p.rxmsgs);
      }
    }),
  );
}

const { config } = loadConfigFile(configFile);
const log = experiments.has('log_no_redact')
  ? pino({ level: config.log.level })
  : createLogger(config.log.level as Parameters<typeof createLogger>[0]);
// As `run` does: the bench measures the production memory settings (--node-flags overrides them).
applyHeapGrowth(config.memory.heap_growth_percent);
const router = await Router.start(config, { log, observer });

function report(): void {
  const m = process.memoryUsage();
  const cpu = process.cpuUsage();
  const progress: ChildProgress = {
    type: 'progress',
    consumed,
    finished: { ...finished },
    firstConsumedAt,
    lastFinishedAt,
    rssMb: m.rss / 2 ** 20,
    heapMb: m.heapUsed / 2 ** 20,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
  process.send!(progress);
}
const timer = setInterval(report, 100);
process.send({ type: 'started', rssMb: process.memoryUsage().rss / 2 ** 20 });

process.on('message', async (message: { type?: string }) => {
  if (message?.type !== 'stop') return;
  clearInterval(timer);
  report();
  await router.stop(10_000);
  if (fetched.size > 0) {
    const total = [...fetched.values()].reduce((a, b) => a + b, 0);
    console.error(`kafka_stats: ${total} messages fetched from the broker (consumed: ${consumed}); ${JSON.stringify(Object.fromEntries(fetched))}`);
  }
  if (inspector && allocationProfile) {
    const { writeFileSync } = await import('node:fs');
    await new Promise<void>((done) =>
      inspector.post('HeapProfiler.stopSampling', (err, result) => {
        if (!err) writeFileSync(allocationProfile, JSON.stringify(result.profile));
        done();
      }),
    );
  }
  // A normal exit, so --cpu-prof writes its profile.
  process.disconnect?.();
  process.exit(0);
});
