// import: `imagematching-router import-suggestions` (the compiled CLI, in its own process) loading a generated
// N-row dataset (--events, default 1,000,000) from NDJSON, TSV and Parquet, against a raw COPY of the same rows into a
// bare table (no index, no constraint) measured in the same run, and a COPY into the real, indexed table.
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { createPool } from '../../lib/store/pool.ts';
import { migrate } from '../../lib/store/migrate.ts';
import { ratio, type ScenarioOptions, type ScenarioResult } from '../lib/scenario.ts';
import { KAFKA_BROKERS, REPO, createDatabase, vmHwmMb } from '../lib/services.ts';
import { writeBenchDataset } from '../lib/suggestion-dataset.ts';

const COLUMNS = 'dataset_key, wiki, page_id, image, section_index, section_heading, page_title, confidence, kind, found_on, origin_wiki, page_rev, page_qid';

interface CliRun {
  rows_per_s: number;
  seconds: number;
  peak_rss_mb: number;
}

/** One import through the CLI; rows/s and seconds from its own summary (file read to commit), peak RSS from /proc. */
async function importWithCli(config: string, file: string): Promise<CliRun> {
  const child = spawn(process.execPath, [join(REPO, 'bin/imagematching-router.js'), 'import-suggestions', '--config', config, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  let peak = 0;
  const poll = setInterval(() => (peak = Math.max(peak, vmHwmMb(child.pid!))), 100);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(poll);
  if (code !== 0) throw new Error(`import-suggestions exited ${code}:\n${stdout}${stderr}`);
  const done = /import-suggestions: done: (\{.*\})/.exec(stderr);
  if (!done) throw new Error(`import-suggestions printed no summary:\n${stderr}`);
  const summary = JSON.parse(done[1]!) as { rows_per_s: number; seconds: number };
  return { rows_per_s: summary.rows_per_s, seconds: summary.seconds, peak_rss_mb: Math.round(peak) };
}

/** COPY of the rows' COPY text into `table`; rows/s. */
async function rawCopy(url: string, table: string, file: string, rows: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const started = performance.now();
    await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), client.query(copyStreams.from(`COPY ${table} (${COLUMNS}) FROM STDIN`)));
    return rows / ((performance.now() - started) / 1000);
  } finally {
    await client.end();
  }
}

export async function importScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const rows = options.events;
  const dir = mkdtempSync(join(options.workDir, 'import-'));
  const db = await createDatabase();
  try {
    options.log(`  writing a ${rows}-row dataset as NDJSON, TSV, Parquet and COPY text`);
    const files = await writeBenchDataset(dir, rows);
    const sizes = Object.fromEntries(Object.entries(files).map(([k, f]) => [`${k}_mb`, Number((statSync(f).size / 2 ** 20).toFixed(1))]));
    const pool = createPool({ url: db.url, pool_size: 2, statement_timeout_ms: 0 });
    await migrate(pool);
    const truncate = () => pool.query('TRUNCATE image_suggestion, suggestion_dataset, suggestion_dataset_wiki');
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `kafka: {brokers: "${KAFKA_BROKERS}"}\ndatabase: {url: "${db.url}", migrate_on_start: false}\nlog: {level: warn}\n`);

    const runs: Record<string, CliRun> = {};
    for (const format of ['ndjson', 'tsv', 'parquet'] as const) {
      await truncate();
      await pool.query('CHECKPOINT');
      runs[format] = await importWithCli(config, files[format]);
      options.log(`  import-suggestions ${format}: ${runs[format].rows_per_s} rows/s (${runs[format].seconds} s), peak RSS ${runs[format].peak_rss_mb} MB`);
    }
    const { rows: counted } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM image_suggestion');
    if (Number(counted[0]!.n) !== rows) throw new Error(`the last import left ${counted[0]!.n} rows, expected ${rows}`);

    // Baselines: the same rows as COPY text, into a bare copy of the table, then into the real one with its indexes.
    await truncate();
    await pool.query('CREATE TABLE bare_image_suggestion (LIKE image_suggestion)');
    await pool.query('CHECKPOINT');
    const bare = await rawCopy(db.url, 'bare_image_suggestion', files.copy, rows);
    await pool.query('CHECKPOINT');
    const indexed = await rawCopy(db.url, 'image_suggestion', files.copy, rows);
    options.log(`  raw COPY of the same rows: ${Math.round(bare)} rows/s into a bare table, ${Math.round(indexed)} rows/s into image_suggestion with its indexes`);
    await pool.end();

    const ndjson = runs.ndjson!;
    return {
      name: 'import',
      events: rows,
      events_per_s: ndjson.rows_per_s,
      p50_ms: NaN,
      p99_ms: NaN,
      peak_rss_mb: Math.max(...Object.values(runs).map((r) => r.peak_rss_mb)),
      baseline_events_per_s: Math.round(bare),
      ratio_to_baseline: ratio(ndjson.rows_per_s, bare),
      ndjson_rows_per_s: ndjson.rows_per_s,
      tsv_rows_per_s: runs.tsv!.rows_per_s,
      parquet_rows_per_s: runs.parquet!.rows_per_s,
      tsv_ratio_to_baseline: ratio(runs.tsv!.rows_per_s, bare),
      parquet_ratio_to_baseline: ratio(runs.parquet!.rows_per_s, bare),
      peak_rss_mb_by_format: Object.fromEntries(Object.entries(runs).map(([f, r]) => [f, r.peak_rss_mb])),
      baseline_copy_bare_rows_per_s: Math.round(bare),
      baseline_copy_indexed_rows_per_s: Math.round(indexed),
      ...sizes,
      api_requests_per_event: 0,
    };
  } finally {
    await db.drop().catch((err) => options.log(`  could not drop ${db.url}: ${(err as Error).message}`));
    rmSync(dir, { recursive: true, force: true });
  }
}
