// `npm run demo`: the real pipeline on a bundled sample, with no Kafka, no PostgreSQL server and no network.
// Events come from NDJSON files, the MediaWiki API is a local server over sample articles written for the project,
// and the state lands in an embedded PostgreSQL. Then it prints what changed and where to look next.
import { mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../project-root.ts';
import { parseConfig } from '../config/load.ts';
import { createLogger } from '../log.ts';
import { Router } from '../app/router.ts';
import { FakeMediaWiki } from './fake-mediawiki.ts';
import type { Pool } from '../store/pool.ts';

export const DEMO_DIR = join(PROJECT_ROOT, 'demo');

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
  pool: Pool;
  router: Router;
  apiRequests: number;
  /** Of those, the revisions asked. */
  revisionRequests: number;
  /** And the model's illustration rule's look-ups: file usage, article counts, page props. */
  illustrationRequests: number;
  seconds: number;
}

/** Runs the sample through the router until every event is finished; the caller closes `router`. */
export async function runDemoPipeline(options: { workDir?: string; logLevel?: string } = {}): Promise<DemoResult> {
  const started = performance.now();
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'imagematching-router-demo-'));
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
  const config = parseConfig(
    `service: {name: imagematching-router-demo}
source:
  type: file
  state_dir: ${JSON.stringify(join(workDir, 'state'))}
  file: {paths: [${JSON.stringify(join(DEMO_DIR, 'events'))}]}
database: {url: "", embedded_path: ${JSON.stringify(join(workDir, 'pgdata'))}}
mediawiki: {api_url: ${JSON.stringify(api.url)}, batch_linger_ms: 5}
rules: {paths: [${JSON.stringify(join(PROJECT_ROOT, 'rules'))}]}
kafka: {commit_interval_ms: 50}
log: {level: ${options.logLevel ?? 'error'}}
`,
    {},
    'demo config',
  );
  const router = await Router.start(config, { log: createLogger(config.log.level as 'warn', { service: config.service.name }) });
  const deadline = Date.now() + 50_000;
  while (!router.drained) {
    if (Date.now() > deadline) throw new Error('the demo did not finish within 50 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  await api.stop();
  return {
    workDir,
    pool: router.pool,
    router,
    apiRequests: api.requests.length,
    revisionRequests: api.requestsFor('revids').length,
    illustrationRequests: api.requests.filter((r) => r.params.get('siprop') === 'statistics' || ['fileusage', 'pageprops|info'].includes(r.params.get('prop') ?? '')).length,
    seconds: (performance.now() - started) / 1000,
  };
}

function countLines(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

export async function demoCommand(print: (line: string) => void = console.log): Promise<number> {
  print('imagematching-router demo: the real pipeline on a bundled sample (no Kafka, no database server, no network)\n');
  const result = await runDemoPipeline();
  const { pool, workDir } = result;
  try {
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
    const topics = join(workDir, 'state', 'topics');
    const deadLetters = countLines(join(topics, 'imagematching-router-demo.error.jsonl'));
    const derived = countLines(join(topics, 'imagematching.page_image_change.jsonl'));
    print(`\nThe batch job's view recommendation_exclusions has ${exclusions.rows[0]?.n ?? 0} row(s) to leave out of the next dataset.`);
    print(`${derived} imagematching.page_image_change event(s) derived; ${deadLetters} malformed event(s) dead-lettered with their reason.`);
    print(
      `${result.apiRequests} MediaWiki API request(s) (${result.revisionRequests} for revisions, ${result.illustrationRequests} for the model's illustration rule); ` +
        `finished in ${result.seconds.toFixed(1)} s.`,
    );
    print(`\nWhere to look next:`);
    print(`  state, dead letters and derived events: ${join(workDir, 'state')}  (files: ${existsSync(topics) ? readdirSync(topics).join(', ') : 'none'})`);
    print(`  the rules that did this:                rules/image_matching.yaml (docs/rules.md)`);
    print(`  the tables and the batch-job queries:   docs/state.md`);
    print(`  run it on Kafka and PostgreSQL:         README.md, "Running in production"`);
  } finally {
    await result.router.stop(5000);
  }
  return 0;
}
