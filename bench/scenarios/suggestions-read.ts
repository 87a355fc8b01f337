// suggestions_read: GET /v1/suggestions/:wiki/:pageId over real HTTP (keep-alive, 16 in flight) against the admin API
// in its own process, with a dataset of N rows (--events, default 1,000,000) imported by the real importer and router
// state that withdraws some of it; against the same SQL run directly through pg with the same concurrency.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Pool as HttpPool } from 'undici';
import { createPool } from '../../lib/store/pool.ts';
import { migrate } from '../../lib/store/migrate.ts';
import { SuggestionImporter } from '../../lib/suggestions/importer.ts';
import { PAGE_SUGGESTIONS_SQL } from '../../lib/suggestions/serving-queries.ts';
import { ratio, type ScenarioOptions, type ScenarioResult } from '../lib/scenario.ts';
import { REPO, createDatabase, percentile, vmHwmMb } from '../lib/services.ts';
import { benchPages, writeBenchNdjson } from '../lib/suggestion-dataset.ts';

const IN_FLIGHT = 16;
const REQUESTS = 20_000;
const WARM_UP = 1_000;

/** A fixed pseudo-random sequence of enwiki page ids (the same for the API and the baseline). */
function pageSequence(pages: number[], n: number): number[] {
  let x = 0x2545f491;
  return Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return pages[(x >>> 0) % pages.length]!;
  });
}

/** Runs `one` over `ids` with IN_FLIGHT at a time; requests/s and latency percentiles (ms). */
async function drive(ids: number[], one: (id: number) => Promise<number>): Promise<{ perS: number; p50: number; p99: number; rows: number }> {
  const latencies: number[] = [];
  let next = 0;
  let rows = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        const t = performance.now();
        const answered = await one(id);
        latencies.push(performance.now() - t);
        rows += answered;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perS: ids.length / seconds, p50: Number(percentile(latencies, 50).toFixed(2)), p99: Number(percentile(latencies, 99).toFixed(2)), rows };
}

export async function suggestionsReadScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const rows = options.events;
  const dir = mkdtempSync(join(options.workDir, 'suggestions-read-'));
  const db = await createDatabase();
  let server: ReturnType<typeof fork> | null = null;
  try {
    const file = join(dir, 'suggestions.ndjson');
    await writeBenchNdjson(file, rows);
    const pool = createPool({ url: db.url, pool_size: 2, statement_timeout_ms: 0 });
    await migrate(pool);
    const imported = await new SuggestionImporter({ pool }).importPaths([file]);
    options.log(`  imported ${imported.rows} rows at ${imported.rows_per_s} rows/s`);
    // What the router learnt since: 1 enwiki page in 10 illustrated, 1 suggestion in 20 of the others rejected.
    await pool.query(`INSERT INTO page_image_state (wiki, page_id, page_title, rev_id, images, illustrated)
      SELECT DISTINCT wiki, page_id, 'P' || page_id, 1, '{Some.jpg}'::text[], true FROM image_suggestion WHERE wiki = 'enwiki' AND page_id % 10 = 3`);
    await pool.query(`INSERT INTO recommendation_status (wiki, page_id, image, status, reasons, source, event_dt)
      SELECT wiki, page_id, image, 'rejected', '{notrelevant}', 'mediawiki.image_suggestions_feedback', now()
        FROM image_suggestion WHERE wiki = 'enwiki' AND page_id % 10 <> 3 AND hashtext(image) % 20 = 0`);
    await pool.query('ANALYZE');
    await pool.end();

    server = fork(join(REPO, 'dist/bench/lib/suggestions-server-child.js'), [db.url, String(IN_FLIGHT)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve, reject) => {
      server!.stdout!.once('data', (c: Buffer) => resolve((JSON.parse(c.toString()) as { port: number }).port));
      server!.once('exit', (code) => reject(new Error(`the admin API child exited with ${code}`)));
    });
    const http = new HttpPool(`http://127.0.0.1:${port}`, { connections: IN_FLIGHT, pipelining: 1 });
    const ids = pageSequence(benchPages(rows), WARM_UP + REQUESTS);
    const viaHttp = async (id: number) => {
      const res = await http.request({ method: 'GET', path: `/v1/suggestions/enwiki/${id}` });
      if (res.statusCode !== 200) throw new Error(`GET /v1/suggestions/enwiki/${id}: ${res.statusCode}`);
      return ((await res.body.json()) as { rows: unknown[] }).rows.length;
    };
    await drive(ids.slice(0, WARM_UP), viaHttp);
    const api = await drive(ids.slice(WARM_UP), viaHttp);
    const peak = vmHwmMb(server.pid!);
    await http.close();
    options.log(`  HTTP: ${Math.round(api.perS)} requests/s, p50 ${api.p50} ms, p99 ${api.p99} ms, ${(api.rows / REQUESTS).toFixed(2)} rows per answer`);

    const direct = new pg.Pool({ connectionString: db.url, max: IN_FLIGHT });
    const viaSql = async (id: number) => (await direct.query({ name: 'imr-page-suggestions', text: PAGE_SUGGESTIONS_SQL, values: ['enwiki', String(id)] })).rows.length;
    await drive(ids.slice(0, WARM_UP), viaSql);
    const sql = await drive(ids.slice(WARM_UP), viaSql);
    await direct.end();
    options.log(`  the same SQL through pg: ${Math.round(sql.perS)} requests/s, p50 ${sql.p50} ms, p99 ${sql.p99} ms`);
    if (sql.rows !== api.rows) throw new Error(`the API answered ${api.rows} rows, the SQL ${sql.rows}`);

    return {
      name: 'suggestions_read',
      events: REQUESTS,
      events_per_s: Math.round(api.perS),
      p50_ms: api.p50,
      p99_ms: api.p99,
      peak_rss_mb: Math.round(peak),
      baseline_events_per_s: Math.round(sql.perS),
      ratio_to_baseline: ratio(api.perS, sql.perS),
      dataset_rows: rows,
      in_flight: IN_FLIGHT,
      rows_per_answer: Number((api.rows / REQUESTS).toFixed(2)),
      baseline_p50_ms: sql.p50,
      baseline_p99_ms: sql.p99,
      api_requests_per_event: 0,
    };
  } finally {
    server?.kill('SIGTERM');
    await db.drop().catch((err) => options.log(`  could not drop ${db.url}: ${(err as Error).message}`));
    rmSync(dir, { recursive: true, force: true });
  }
}
