// The real services the bench runs on: a fresh PostgreSQL database and uniquely named Kafka topics per
// scenario (both removed afterwards), a fast producer for backlogs, and the router as a child process.
import { randomBytes } from 'node:crypto';
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import yaml from 'js-yaml';
import { KafkaProducer } from '../../lib/kafka/producer.ts';
import { producerSettings } from '../../lib/kafka/client-config.ts';
import type { ChildProgress } from './router-child.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
/** Any database on the server; the bench creates and drops its own next to it. */
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createDatabase(): Promise<BenchDatabase> {
  const name = uniqueName('imr_bench').replace(/-/g, '_');
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  await admin.end();
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await c.end();
    },
  };
}

export const kafkaSettings = { brokers: KAFKA_BROKERS, client_id: 'imr-bench', consumer: {}, producer: {} };

/** A producer tuned for loading backlogs (bigger batches); delivery is still awaited per chunk. */
export async function openProducer(): Promise<KafkaProducer> {
  const producer = new KafkaProducer({ ...producerSettings(kafkaSettings), 'linger.ms': 20, 'batch.num.messages': 10000, 'queue.buffering.max.messages': 500000 });
  await producer.connect();
  return producer;
}

export interface BenchMessage {
  key: string;
  value: string;
}

/** Produces `count` messages made by `make(i)`, in chunks whose deliveries are awaited; returns events/s. */
export async function produceBacklog(producer: KafkaProducer, topic: string, count: number, make: (i: number) => BenchMessage): Promise<number> {
  const started = performance.now();
  const chunk = 20000;
  for (let i = 0; i < count; i += chunk) {
    const sends: Array<Promise<unknown>> = [];
    for (let j = i; j < Math.min(count, i + chunk); j++) {
      const m = make(j);
      sends.push(producer.produce({ topic, key: m.key, value: m.value }));
    }
    await Promise.all(sends);
  }
  return count / ((performance.now() - started) / 1000);
}

/** Produces at a steady `rate` per second for `seconds`, one message per tick slot; returns how many were sent. */
export async function produceAtRate(producer: KafkaProducer, topic: string, rate: number, seconds: number, make: (i: number) => BenchMessage): Promise<number> {
  const total = Math.round(rate * seconds);
  const started = performance.now();
  const sends: Array<Promise<unknown>> = [];
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    for (; sent < due; sent++) {
      const m = make(sent);
      sends.push(producer.produce({ topic, key: m.key, value: m.value }));
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(sends);
  return total;
}

export interface RouterConfigOptions {
  service: string;
  prefix: string;
  databaseUrl: string;
  rules: string;
  apiUrl?: string;
  /** Settings of this scenario merged over the defaults (BENCH_CONFIG still wins). */
  config?: Record<string, unknown>;
}

/** Settings merged into the router config under test, from BENCH_CONFIG (JSON), to measure a proposed default. */
export function benchConfigOverrides(): Record<string, unknown> {
  const raw = process.env.BENCH_CONFIG;
  if (!raw) return {};
  const parsed = JSON.parse(raw) as unknown;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('BENCH_CONFIG must be a JSON object');
  return parsed as Record<string, unknown>;
}

function merged(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    const both = [current, value].every((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
    out[key] = both ? merged(current as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return out;
}

/** A router config in a temp folder: production defaults except names, addresses and log level (and BENCH_CONFIG). */
export function writeConfig(options: RouterConfigOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'imr-bench-'));
  writeFileSync(join(dir, 'rules.yaml'), options.rules);
  const file = join(dir, 'config.yaml');
  const config = {
    service: { name: options.service },
    kafka: { brokers: KAFKA_BROKERS, dc_prefixes: [options.prefix] },
    database: { url: options.databaseUrl, migrate_on_start: true },
    mediawiki: { api_url: options.apiUrl ?? 'https://{domain}/w/api.php', allowed_domains: ['*.wikipedia.org'] },
    admin: { listen: '127.0.0.1:0' },
    rules: { paths: ['rules.yaml'] },
    log: { level: process.env.BENCH_LOG_LEVEL ?? 'warn' },
  };
  writeFileSync(file, yaml.dump(merged(merged(config, options.config ?? {}), benchConfigOverrides()), { lineWidth: -1 }));
  return file;
}

export interface RouterChild {
  child: ChildProcess;
  pid: number;
  progress: ChildProgress;
  /** The router's CPU time (ms) in the first progress report that saw an event consumed (reports come every 100 ms). */
  cpuMsAtFirstConsume: number | null;
  /** RSS right after Router.start, before any event: the fixed cost of the process. */
  startRssMb: number;
  /** Peak VmHWM seen in /proc/<pid>/status, MB. */
  peakRssMb(): number;
  /** Resolves when `finishedTotal()` reached `count` (or rejects on exit/timeout). */
  waitFinished(count: number, timeoutMs: number): Promise<void>;
  finishedTotal(): number;
  stop(): Promise<void>;
}

/** Peak resident memory (VmHWM) of process `pid` so far, MB; 0 once it is gone. */
export function vmHwmMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Compiles lib/ and the router child to dist/ (`npm run build`), so the bench measures what `run` runs. */
export function buildRouter(): void {
  const result = spawnSync(process.execPath, [join(REPO, 'scripts/build.js')], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error('npm run build failed: the bench measures the compiled router');
}

/**
 * Starts the compiled bench/lib/router-child.ts (see buildRouter); `cpuProfDir` runs it under --cpu-prof,
 * `nodeFlags` adds node/V8 flags.
 */
export async function startRouterChild(config: string, logFile: string, cpuProfDir?: string, nodeFlags: string[] = []): Promise<RouterChild> {
  const execArgv = [...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []), ...nodeFlags];
  const child = fork(join(REPO, 'dist/bench/lib/router-child.js'), [config], { cwd: REPO, execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const { createWriteStream } = await import('node:fs');
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let peak = 0;
  const state: RouterChild = {
    child,
    pid: child.pid!,
    progress: { type: 'progress', consumed: 0, finished: {}, firstConsumedAt: null, lastFinishedAt: null, rssMb: 0, heapMb: 0, cpuMs: 0 },
    cpuMsAtFirstConsume: null,
    startRssMb: 0,
    peakRssMb: () => Math.max(peak, vmHwmMb(child.pid!)),
    finishedTotal: () => Object.values(state.progress.finished).reduce((a, b) => a + b, 0),
    async waitFinished(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (state.finishedTotal() < count) {
        if (child.exitCode !== null) throw new Error(`router child exited with ${child.exitCode}; see ${logFile}`);
        if (Date.now() > deadline) throw new Error(`router finished ${state.finishedTotal()}/${count} events before the timeout; see ${logFile}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      peak = state.peakRssMb();
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const sampler = setInterval(() => (peak = Math.max(peak, vmHwmMb(child.pid!))), 200);
  child.on('exit', () => clearInterval(sampler));
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m: { type: string }) => {
      if (m.type === 'started') {
        state.startRssMb = (m as unknown as { rssMb: number }).rssMb;
        resolve();
      }
      if (m.type === 'progress') {
        state.progress = m as ChildProgress;
        if (state.cpuMsAtFirstConsume === null && state.progress.consumed > 0) state.cpuMsAtFirstConsume = state.progress.cpuMs;
      }
    });
    child.once('exit', (code) => reject(new Error(`router child exited with ${code} before starting; see ${logFile}`)));
  });
  return state;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
