// `npm run bench`: the router on the real Kafka broker and PostgreSQL, four scenarios (feedback, revisions,
// revisions_model, routing), and the suggestion dataset's import and read API, each against baselines measured in
// the same run.
// docs/performance.md has the numbers.
//
//   node --import tsx bench/run.ts [--events N] [--scenarios feedback,revisions,routing] [--out FILE]
//                                  [--rate 1000] [--rate-seconds 8] [--partitions 4] [--profile DIR]
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { feedbackScenario } from './scenarios/feedback.ts';
import { revisionsModelScenario, revisionsScenario } from './scenarios/revisions.ts';
import { routingScenario } from './scenarios/routing.ts';
import { importScenario } from './scenarios/import.ts';
import { suggestionsReadScenario } from './scenarios/suggestions-read.ts';
import type { ScenarioOptions, ScenarioResult } from './lib/scenario.ts';
import { buildRouter } from './lib/services.ts';

const SCENARIOS: Record<string, { run: (o: ScenarioOptions) => Promise<ScenarioResult>; defaultEvents: number }> = {
  feedback: { run: feedbackScenario, defaultEvents: 100_000 },
  revisions: { run: revisionsScenario, defaultEvents: 20_000 },
  // The revisions backlog three times: any_image, the model's rule, the model's rule without a usage cache.
  revisions_model: { run: revisionsModelScenario, defaultEvents: 20_000 },
  routing: { run: routingScenario, defaultEvents: 100_000 },
  // --events is the dataset's row count for these two.
  import: { run: importScenario, defaultEvents: 1_000_000 },
  suggestions_read: { run: suggestionsReadScenario, defaultEvents: 1_000_000 },
};

const USAGE = `usage: node --import tsx bench/run.ts [options]
  --events N          backlog size of every scenario (default: feedback 100000, revisions and revisions_model 20000, routing 100000),
                      dataset rows for import and suggestions_read (default 1000000)
  --scenarios LIST    comma-separated subset of ${Object.keys(SCENARIOS).join(',')} (default: all)
  --out FILE          write {"scenarios":[...]} as JSON
  --rate R            events/s of the rate-limited latency phase (default 1000; 0 skips it)
  --rate-seconds S    length of that phase (default 8)
  --partitions P      partitions of the input topics (default 4)
  --profile DIR       run the router under node --cpu-prof, profiles in DIR
  --concurrency N     override the rules' concurrency (keys in flight per rule; rules say 200)
  --node-flags=FLAGS extra node/V8 flags for the router child, space-separated (e.g. --node-flags="--trace-gc")
experiments (router child only, to measure proposed lib/ changes): BENCH_EXPERIMENTS=consume_timeout_ms=10,producer_poll_ms=5
  BENCH_CONFIG='{"kafka":{"consumer":{"queued.min.messages":5000}}}' (JSON merged into the router's config)
environment: KAFKA_BROKERS (127.0.0.1:9092), TEST_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres), CORPUS_DIR (../shared/corpus)`;

function positive(name: string, raw: string | undefined, fallback: number, allowZero = false): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    console.error(`bench: --${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(raw)}\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

function version(cmd: string, args: string[], pattern: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    return pattern.exec(out)?.[1] ?? out.trim().split('\n')[0]!;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        events: { type: 'string' },
        scenarios: { type: 'string' },
        out: { type: 'string' },
        rate: { type: 'string' },
        'rate-seconds': { type: 'string' },
        partitions: { type: 'string' },
        profile: { type: 'string' },
        concurrency: { type: 'string' },
        'node-flags': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    });
  } catch (err) {
    console.error(`bench: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const args = parsed.values;
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const names = (args.scenarios ?? Object.keys(SCENARIOS).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!SCENARIOS[n]) {
      console.error(`bench: unknown scenario ${JSON.stringify(n)}\n${USAGE}`);
      process.exit(2);
    }
  }
  const events = args.events === undefined ? undefined : positive('events', args.events, 0);
  const rate = positive('rate', args.rate, 1000, true);
  const rateSeconds = positive('rate-seconds', args['rate-seconds'], 8);
  const partitions = positive('partitions', args.partitions, 4);
  const concurrency = args.concurrency === undefined ? undefined : positive('concurrency', args.concurrency, 0);
  const workDir = mkdtempSync(join(tmpdir(), 'imr-bench-run-'));
  const cpuProfDir = args.profile ? resolve(args.profile) : undefined;
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });

  const machine = {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memory_gb: Number((totalmem() / 2 ** 30).toFixed(1)),
    free_memory_gb: Number((freemem() / 2 ** 30).toFixed(1)),
    node: process.version,
    postgresql: version('psql', ['--version'], /(\d+\.\d+)/),
    kafka: process.env.KAFKA_VERSION ?? '4.1.1 (scripts/kafka.sh default)',
  };
  console.log(`bench: ${JSON.stringify(machine)}`);
  console.log(`bench: router logs in ${workDir}${cpuProfDir ? `, CPU profiles in ${cpuProfDir}` : ''}`);
  buildRouter();

  const results: ScenarioResult[] = [];
  for (const name of names) {
    const scenario = SCENARIOS[name]!;
    const options: ScenarioOptions = {
      events: events ?? scenario.defaultEvents,
      rate,
      rateSeconds,
      partitions,
      workDir,
      ...(cpuProfDir ? { cpuProfDir: join(cpuProfDir, name) } : {}),
      ...(concurrency ? { concurrency } : {}),
      nodeFlags: (args['node-flags'] ?? '').split(' ').filter(Boolean),
      log: (line) => console.log(line),
    };
    console.log(`\n== ${name}: ${options.events} events, ${partitions} partitions`);
    const started = performance.now();
    const result = await scenario.run(options);
    results.push(result);
    console.log(formatResult(result, (performance.now() - started) / 1000));
  }

  console.log('\nscenario     events   events/s   p50 ms   p99 ms  peak RSS MB  baseline ev/s  ratio  API req/event');
  for (const r of results) {
    console.log(
      `${r.name.padEnd(10)} ${String(r.events).padStart(8)} ${String(r.events_per_s).padStart(10)} ${String(r.p50_ms).padStart(8)} ${String(r.p99_ms).padStart(8)} ${String(r.peak_rss_mb).padStart(12)} ${String(r.baseline_events_per_s).padStart(14)} ${String(r.ratio_to_baseline).padStart(6)} ${String(r.api_requests_per_event ?? 0).padStart(14)}`,
    );
  }
  if (args.out) {
    writeFileSync(args.out, JSON.stringify({ machine, scenarios: results }, null, 2) + '\n');
    console.log(`\nbench: wrote ${args.out}`);
  }
}

function formatResult(r: ScenarioResult, seconds: number): string {
  const { name: _n, ...rest } = r;
  return `  result (${seconds.toFixed(0)} s): ${JSON.stringify(rest)}`;
}

try {
  await main();
  process.exit(0);
} catch (err) {
  console.error(`bench: failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}
