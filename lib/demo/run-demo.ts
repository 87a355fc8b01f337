// `npm run demo`: the real pipeline on a bundled sample, with no Kafka, no PostgreSQL server and no network.
// Events come from NDJSON files, the MediaWiki API is a local server over sample articles written for the project,
// and the state lands in an embedded PostgreSQL. Then it prints what changed and where to look next.
import { mkdirSync, readFileSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../project-root.ts';
import { parseConfig } from '../config/load.ts';
import { createLogger } from '../log.ts';
import { Router } from '../app/router.ts';
import { FakeMediaWiki } from './fake-mediawiki.ts';
import type { Pool } from '../store/pool.ts';
import type { RouterConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { SuggestionImporter } from '../suggestions/importer.ts';
import { formatSummary } from '../cli/import-suggestions-command.ts';
import { attachAdmin } from '../admin/attach.ts';
import { createMetrics, PrometheusObserver } from '../metrics/index.ts';

export const DEMO_DIR = join(PROJECT_ROOT, 'demo');
/** The page the demo's dataset suggests images for and a later edit illustrates by another route. */
export const DEMO_SERVED_PAGE = { wiki: 'enwiki', pageId: 1003 };
const WORK_DIR_NAME = 'imagematching-router-demo';
/** Marks a folder as the demo's own, so a run never deletes a folder it did not make. */
const MARKER = '.imagematching-router-demo';

/** `<root>/imagematching-router-demo`, emptied: one folder whatever the number of runs. */
export function demoWorkDir(root: string = tmpdir()): string {
  const dir = join(root, WORK_DIR_NAME);
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(join(dir, MARKER))) {
    throw new Error(`${dir} exists and is not the demo's (no ${MARKER} in it): move it away or remove it`);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MARKER), 'made by `imagematching-router demo`, replaced on each run\n');
  return dir;
}

interface DemoRevision {
  revid: number;
  pageid: number;
  wiki: string;
  domain: string;
  title: string;
  parentid: number | null;
  timestamp: string;
  text: string;
}

export interface DemoResult {
  workDir: string;
  /** The embedded database's folder. */
  dbDir: string;
  /** Where produced, retry and dead-letter topics are JSON-lines files. */
  topicsDir: string;
  /** The dataset import's summary lines. */
  imported: string[];
  /** What GET /v1/suggestions/:wiki/:pageId answered for DEMO_SERVED_PAGE before and after the later edit. */
  servedBefore: unknown;
  servedAfter: unknown;
  /** The weighted-tag clear events produced by the later edit. */
  clears: Array<Record<string, unknown>>;
  pool: Pool;
  router: Router;
  apiRequests: number;
  /** Of those, the revisions asked. */
  revisionRequests: number;
  /** And the model's illustration rule's look-ups: file usage, article counts, page props. */
  illustrationRequests: number;
  seconds: number;
}

/** The demo's service.name, also in its log lines. */
const DEMO_SERVICE = 'imagematching-router-demo';

function demoConfig(workDir: string, apiUrl: string, inputs: string[], logLevel: string): RouterConfig {
  return parseConfig(
    `service: {name: ${DEMO_SERVICE}}
source:
  type: file
  state_dir: ${JSON.stringify(join(workDir, 'state'))}
  file: {paths: ${JSON.stringify(inputs)}}
database: {url: "", embedded_path: ${JSON.stringify(join(workDir, 'pgdata'))}}
mediawiki: {api_url: ${JSON.stringify(apiUrl)}, batch_linger_ms: 5}
rules: {paths: [${JSON.stringify(join(PROJECT_ROOT, 'rules'))}]}
kafka: {commit_interval_ms: 50}
log: {level: ${logLevel}}
`,
    {},
    'demo config',
  );
}

async function untilDrained(router: Router): Promise<void> {
  const deadline = Date.now() + 50_000;
  while (!router.drained) {
    if (Date.now() > deadline) throw new Error('the demo did not finish within 50 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `router` to the end of its files with the admin API on an ephemeral port, and asks it for the page's suggestions. */
async function drainAndAsk(router: Router, log: Logger): Promise<unknown> {
  await untilDrained(router);
  const metrics = createMetrics();
  const admin = await attachAdmin(router, { log, metrics, observer: new PrometheusObserver(metrics), listen: '127.0.0.1:0' });
  try {
    const res = await fetch(`http://127.0.0.1:${admin.server.port}/v1/suggestions/${DEMO_SERVED_PAGE.wiki}/${DEMO_SERVED_PAGE.pageId}`);
    return await res.json();
  } finally {
    await admin.close();
  }
}

function jsonLines(file: string): Array<Record<string, unknown>> {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
}

const CLEAR_TOPIC = 'mediawiki.cirrussearch.page_weighted_tags_change.v1';

/**
 * Imports the demo's suggestions dataset, runs the sample through the router until every event is finished, asks
 * the admin API for a page's suggestions, then runs the router again (resuming from its checkpoints) over a later
 * edit that illustrates that page by another route, and asks again. The caller closes `router`.
 */
export async function runDemoPipeline(options: { workDir?: string; tmpRoot?: string; logLevel?: string } = {}): Promise<DemoResult> {
  const started = performance.now();
  const workDir = options.workDir ?? demoWorkDir(options.tmpRoot);
  const api = new FakeMediaWiki();
  const revisions = JSON.parse(readFileSync(join(DEMO_DIR, 'revisions.json'), 'utf8')) as DemoRevision[];
  for (const r of revisions) {
    api.addRevision({
      revId: r.revid,
      pageId: r.pageid,
      title: r.title,
      parentId: r.parentid,
      timestamp: r.timestamp,
      text: readFileSync(join(DEMO_DIR, r.text), 'utf8'),
    });
  }
  await api.start();
  const logLevel = options.logLevel ?? 'error';
  const log = createLogger(logLevel as 'warn', { service: DEMO_SERVICE });
  const events = join(DEMO_DIR, 'events');
  let router = await Router.start(demoConfig(workDir, api.url, [events], logLevel), { log });
  const topicsDir = join(workDir, 'state', 'topics');
  let servedBefore: unknown;
  let clearsBefore: number;
  let imported: string[];
  try {
    // What `import-suggestions` runs, on the router's database.
    imported = formatSummary(await new SuggestionImporter({ pool: router.pool, log }).importPaths([join(DEMO_DIR, 'suggestions')]));
    servedBefore = await drainAndAsk(router, log);
    clearsBefore = jsonLines(join(topicsDir, `${CLEAR_TOPIC}.jsonl`)).length;
  } finally {
    await router.stop(5000);
  }
  // The same router again with a later file: the checkpoints skip what the first run finished.
  router = await Router.start(demoConfig(workDir, api.url, [events, join(DEMO_DIR, 'later')], logLevel), { log });
  const servedAfter = await drainAndAsk(router, log);
  await api.stop();
  return {
    workDir,
    dbDir: join(workDir, 'pgdata'),
    topicsDir,
    imported,
    servedBefore,
    servedAfter,
    clears: jsonLines(join(topicsDir, `${CLEAR_TOPIC}.jsonl`)).slice(clearsBefore).map((r) => JSON.parse(String(r.value)) as Record<string, unknown>),
    pool: router.pool,
    router,
    apiRequests: api.requests.length,
    revisionRequests: api.requestsFor('revids').length,
    illustrationRequests: api.requests.filter((r) => r.params.get('siprop') === 'statistics' || ['fileusage', 'pageprops|info'].includes(r.params.get('prop') ?? '')).length,
    seconds: (performance.now() - started) / 1000,
  };
}

const shellQuote = (text: string) => (/^[A-Za-z0-9_./:=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

/** The `query` command line, from the checkout, that runs `sql` on the demo's database (once the demo has ended). */
export function demoQueryCommand(dbDir: string, sql: string): string {
  return `node bin/imagematching-router.js query --db ${shellQuote(dbDir)} ${shellQuote(sql)}`;
}

function countLines(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

export async function demoCommand(print: (line: string) => void = console.log): Promise<number> {
  print('imagematching-router demo: the real pipeline on a bundled sample (no Kafka, no database server, no network)\n');
  const result = await runDemoPipeline();
  const { pool } = result;
  try {
    const page = `${DEMO_SERVED_PAGE.wiki}/${DEMO_SERVED_PAGE.pageId}`;
    print('The serving path (docs/integration.md):');
    print(`  imported demo/suggestions/ as import-suggestions does: ${result.imported.join('; ')}`);
    print(`  GET /v1/suggestions/${page}, after the sample (its rejected suggestions are left out):`);
    print(`    ${JSON.stringify(result.servedBefore)}`);
    print(`  then demo/later/ : a reader adds a photo to that page, not through a suggestion; GET /v1/suggestions/${page}:`);
    print(`    ${JSON.stringify(result.servedAfter)}`);
    print(`  and the weighted-tag clear it produced (${CLEAR_TOPIC}):`);
    for (const clear of result.clears) print(`    ${JSON.stringify(clear)}`);
    print('');
    const pages = await pool.query<{ wiki: string; page_title: string; images: string[]; illustrated_by_suggestion: boolean | null }>(
      `SELECT wiki, page_title, images, illustrated_by_suggestion FROM page_image_state WHERE illustrated ORDER BY wiki, page_title`,
    );
    print(`Pages illustrated (${pages.rows.length}):`);
    for (const p of pages.rows) {
      const how = p.illustrated_by_suggestion === true ? 'through an image suggestion' : p.illustrated_by_suggestion === false ? 'by another route' : 'how unknown';
      print(`  ${p.wiki} ${p.page_title}: ${p.images.join(', ')} (${how})`);
    }
    const changes = await pool.query<{ wiki: string; rev_id: string; image: string; change: string }>(
      `SELECT wiki, rev_id, image, change FROM image_change ORDER BY wiki, rev_id, change, image`,
    );
    print(`\nImage changes recorded (${changes.rows.length}):`);
    for (const c of changes.rows) print(`  ${c.wiki} rev ${c.rev_id}: ${c.change} ${c.image}`);
    const statuses = await pool.query<{ wiki: string; page_id: string; image: string; status: string; reasons: string[] }>(
      `SELECT wiki, page_id, image, status, reasons FROM recommendation_status ORDER BY status, wiki, page_id, image`,
    );
    print(`\nRecommendation statuses (${statuses.rows.length}):`);
    for (const s of statuses.rows) print(`  ${s.status.padEnd(11)} ${s.wiki} page ${s.page_id} ${s.image}${s.reasons.length ? ` (${s.reasons.join(', ')})` : ''}`);
    const exclusions = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM recommendation_exclusions`);
    const topics = result.topicsDir;
    const deadLetters = countLines(join(topics, 'imagematching-router-demo.error.jsonl'));
    const derived = countLines(join(topics, 'imagematching.page_image_change.jsonl'));
    print(`\nThe batch job's view recommendation_exclusions has ${exclusions.rows[0]?.n ?? 0} row(s) to leave out of the next dataset.`);
    print(`${derived} imagematching.page_image_change event(s) derived; ${deadLetters} malformed event(s) dead-lettered with their reason.`);
    print(
      `${result.apiRequests} MediaWiki API request(s) (${result.revisionRequests} for revisions, ${result.illustrationRequests} for the model's illustration rule); ` +
        `finished in ${result.seconds.toFixed(1)} s.`,
    );
    const sql = 'SELECT wiki, page_id, image, reason FROM recommendation_exclusions ORDER BY wiki, page_id, image';
    print(`\nWhere to look next (this folder is replaced on the next run):`);
    print(`  derived events, retries, dead letters: ${result.topicsDir}  (${existsSync(result.topicsDir) ? readdirSync(result.topicsDir).join(', ') : 'none'})`);
    print(`  checkpoints of the event files:        ${join(result.workDir, 'state', 'checkpoints')}`);
    print(`  the embedded database:                 ${result.dbDir}`);
    print(`  query it (docs/state.md has more):     ${demoQueryCommand(result.dbDir, sql)}`);
    print(`  the rules that did this:               rules/image_matching.yaml (docs/rules.md)`);
    print(`  run it on Kafka and PostgreSQL:        README.md, "Running in production"`);
  } finally {
    await result.router.stop(5000);
  }
  return 0;
}
