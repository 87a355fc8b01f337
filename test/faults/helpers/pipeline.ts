// The ImageMatching pipeline under disturbance: the real revision and feedback rules (rules/image_matching.yaml)
// on uniquely named topics, a fresh database per run, routers as child processes, a deterministic stream of
// revision and feedback events, and the checks every fault test ends with (tables, offsets, dead letters).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import pg from 'pg';
import { createTopics } from '../../../lib/kafka/admin.ts';
import { KafkaProducer } from '../../../lib/kafka/producer.ts';
import { producerSettings } from '../../../lib/kafka/client-config.ts';
import { topicEnd } from '../../../lib/kafka/consumer.ts';
import { consumerSettings } from '../../../lib/kafka/client-config.ts';
import { createPool } from '../../../lib/store/pool.ts';
import { migrate } from '../../../lib/store/migrate.ts';
import { KAFKA_BROKERS, createTestDatabase, uniqueName, waitFor } from '../../helpers/services.ts';
import { REPO, committedOffsets, startRouterProcess, writeRouterConfig, type RouterProcess } from '../../helpers/router-harness.ts';
import type { FakeMediaWiki } from '../../helpers/mediawiki-server.ts';

const run = promisify(execFile);
export const PARTITIONS = 4;
export const kafka = { brokers: KAFKA_BROKERS, client_id: 'imr-faults', consumer: {}, producer: {} };

// ---------------------------------------------------------------- the event stream

/** Articles of the shared corpus (CC BY-SA, Wikipedia contributors, via wtf_wikipedia), or the project's fixture. */
export function articles(): string[] {
  const dir = join(process.env.CORPUS_DIR ?? join(REPO, '..', 'shared', 'corpus'), 'wikitext', 'enwiki');
  const texts = existsSync(dir)
    ? readdirSync(dir).sort().map((f) => readFileSync(join(dir, f), 'utf8')).filter((t) => t.length >= 2000 && t.length <= 40_000)
    : [];
  return texts.length > 0 ? texts : [readFileSync(join(REPO, 'test/fixtures/wikitext/article-with-images.wiki'), 'utf8')];
}

/** Revision `step` of a page: text edits, an image added by the Android task at step 2, removed at step 4. */
function pageText(article: string, page: number, step: number): string {
  const image = `[[File:Fault image ${page}.jpg|thumb|Suggested]]\n`;
  return (step >= 2 && step < 4 ? image : '') + article + `\n\nEdit ${step} of page ${page}.`;
}

export const revId = (page: number, step: number) => page * 100 + step;

export interface StreamEvent {
  topic: 'revisions' | 'feedback';
  key: string;
  value: string;
}

export interface EventSet {
  events: StreamEvent[];
  revisions: number;
  feedback: number;
}

/**
 * `pages` pages with `steps` revisions each (step 0, the parent of the first event, is never an event),
 * interleaved page by page, and feedback on them: accepted, rejected, undecided and invalidated decisions,
 * some pairs decided twice, so the precedence rules take part.
 */
export function buildEvents(api: FakeMediaWiki, pages: number, steps: number): EventSet {
  const texts = articles();
  const events: StreamEvent[] = [];
  for (let page = 1; page <= pages; page++) {
    for (let step = 0; step <= steps; step++) {
      api.addRevision({
        revId: revId(page, step),
        pageId: page,
        title: `Fault_page_${page}`,
        parentId: step === 0 ? null : revId(page, step - 1),
        timestamp: new Date(Date.UTC(2024, 0, 1, 0, step, page % 60)).toISOString(),
        text: pageText(texts[page % texts.length]!, page, step),
      });
    }
  }
  let revisions = 0;
  let feedback = 0;
  for (let step = 1; step <= steps; step++) {
    for (let page = 1; page <= pages; page++) {
      const rev = revId(page, step);
      const ts = new Date(Date.UTC(2024, 0, 1, 0, step, page % 60)).toISOString();
      events.push({
        topic: 'revisions',
        key: `enwiki:${page}`,
        value: JSON.stringify({
          $schema: '/mediawiki/revision/create/2.0.0',
          meta: { domain: 'en.wikipedia.org', dt: ts, id: `fault-rev-${rev}`, request_id: 'faults', stream: 'mediawiki.revision-create' },
          dt: ts,
          database: 'enwiki',
          page_id: page,
          page_title: `Fault_page_${page}`,
          page_namespace: 0,
          rev_id: rev,
          rev_parent_id: revId(page, step - 1),
          rev_content_changed: true,
          rev_timestamp: ts,
          rev_content_model: 'wikitext',
          rev_is_revert: false,
          comment: step === 2 ? 'Added image #suggestededit-add-image-top' : 'copyedit',
        }),
      });
      revisions += 1;
      // Feedback on a third of the pages at each step.
      if (page % 3 === step % 3) {
        const kind = (page + step) % 5;
        const dt = new Date(Date.UTC(2024, 0, 1, 0, step, 30)).toISOString();
        const filename = kind === 0 ? `Fault image ${page}.jpg` : `Other ${page} ${kind % 2}.png`;
        events.push({
          topic: 'feedback',
          key: `enwiki:${page}`,
          value: JSON.stringify({
            $schema: '/mediawiki/page/image-suggestions-feedback/2.1.0',
            meta: { stream: 'mediawiki.image_suggestions_feedback', dt, id: `fault-fb-${page}-${step}`, domain: 'en.wikipedia.org' },
            dt,
            wiki: 'enwiki',
            page_id: page,
            filename,
            user_id: 7,
            is_accepted: kind === 0,
            is_rejected: kind === 1 || kind === 2,
            rejection_reasons: kind === 1 ? ['notrelevant'] : kind === 2 ? ['unfamiliar'] : [],
            origin_wiki: 'commonswiki',
          }),
        });
        feedback += 1;
      }
    }
  }
  return { events, revisions, feedback };
}

// ---------------------------------------------------------------- one pipeline = topics + database + config

export interface Pipeline {
  name: string;
  service: string;
  topics: { revisions: string; feedback: string; derived: string; tags: string };
  db: { url: string; drop: () => Promise<void> };
  config: string;
  dir: string;
  routers: Array<RouterProcess & { logFile: string }>;
  /** Routers the test stopped or killed on purpose; any other exit is a crash. */
  stopped: Set<RouterProcess>;
  groups: Array<{ group: string; topics: string[] }>;
}

/** The real revision and feedback rules, on this pipeline's topics (dc_prefixes [""] in the config). */
function rulesFor(topics: Pipeline['topics']): string {
  const doc = yaml.load(readFileSync(join(REPO, 'rules/image_matching.yaml'), 'utf8')) as { rules: Array<Record<string, unknown>> };
  const keep = doc.rules.filter((r) => r.name === 'image_matching_revisions' || r.name === 'image_matching_feedback');
  for (const rule of keep) {
    rule.topics = rule.name === 'image_matching_revisions' ? [topics.revisions] : [topics.feedback];
  }
  return yaml
    .dump({ rules: keep }, { lineWidth: -1 })
    .replace('topic: imagematching.page_image_change', `topic: ${topics.derived}`)
    .replace('topic: mediawiki.cirrussearch.page_weighted_tags_change.v1', `topic: ${topics.tags}`);
}

export async function createPipeline(name: string, apiUrl: string, options: { extra?: string; topicConfig?: Record<string, string> } = {}): Promise<Pipeline> {
  const service = uniqueName(`imr-faults-${name}`);
  const prefix = service.replace(/^imr-faults-/, 'faults-');
  const topics = {
    revisions: `${prefix}.mediawiki.revision-create`,
    feedback: `${prefix}.mediawiki.image_suggestions_feedback`,
    derived: `${prefix}.imagematching.page_image_change`,
    tags: `${prefix}.mediawiki.cirrussearch.page_weighted_tags_change.v1`,
  };
  await createTopics(KAFKA_BROKERS, Object.values(topics).map((topic) => ({ topic, partitions: PARTITIONS, ...(options.topicConfig ? { config: options.topicConfig } : {}) })));
  const db = await createTestDatabase();
  const pool = createPool({ url: db.url, pool_size: 1, statement_timeout_ms: 0 });
  await migrate(pool);
  await pool.end();
  const { dir, config } = writeRouterConfig({
    service,
    rules: rulesFor(topics),
    databaseUrl: db.url,
    extra: `mediawiki:
  api_url: "${apiUrl}"
  allowed_domains: ["*.wikipedia.org"]
  timeout_ms: 1000
  batch_linger_ms: 10
${options.extra ?? ''}`,
  });
  // Info level: the tests wait for "router started" / "partitions assigned" in a router's own log.
  writeFileSync(config, readFileSync(config, 'utf8').replace(/^log: \{level: \w+\}$/m, 'log: {level: info}'));
  return {
    name,
    service,
    topics,
    db,
    config,
    dir,
    routers: [],
    stopped: new Set(),
    groups: [
      { group: `${service}-image_matching_revisions`, topics: [topics.revisions, `${service}.retry.${topics.revisions}`] },
      { group: `${service}-image_matching_feedback`, topics: [topics.feedback, `${service}.retry.${topics.feedback}`] },
    ],
  };
}

/** Starts `imagematching-router run` on the pipeline's config; its log goes to `<dir>/router-<n>.log`. */
export function startRouter(p: Pipeline): RouterProcess & { logFile: string } {
  const logFile = join(p.dir, `router-${p.routers.length + 1}.log`);
  const router = { ...startRouterProcess(p.config, logFile), logFile };
  p.routers.push(router);
  return router;
}

/** Throws when a router exited that the test did not stop: a crash, with the end of its log. */
export function assertNoCrash(p: Pipeline): void {
  for (const r of p.routers) {
    if (p.stopped.has(r) || (r.child.exitCode === null && r.child.signalCode === null)) continue;
    const tail = existsSync(r.logFile) ? readFileSync(r.logFile, 'utf8').split('\n').slice(-25).join('\n') : '';
    throw new Error(`${p.name}: router ${r.child.pid} exited unexpectedly (code ${r.child.exitCode}, signal ${r.child.signalCode}); end of ${r.logFile}:\n${tail}`);
  }
}

/** Waits until a router's log has a line with message `msg` (and, optionally, a non-empty `partitions`). */
export async function waitForLog(logFile: string, msg: string, options: { withPartitions?: boolean; timeoutMs?: number } = {}): Promise<void> {
  await waitFor(`"${msg}" in ${logFile}`, () => {
    if (!existsSync(logFile)) return undefined;
    for (const line of readFileSync(logFile, 'utf8').split('\n')) {
      if (!line.includes(msg)) continue;
      try {
        const entry = JSON.parse(line) as { msg?: string; partitions?: unknown[] };
        if (entry.msg === msg && (!options.withPartitions || (entry.partitions?.length ?? 0) > 0)) return true;
      } catch {
        /* not a log line */
      }
    }
    return undefined;
  }, options.timeoutMs ?? 60_000, 100);
}

export async function stopRouter(p: Pipeline, router: RouterProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  p.stopped.add(router);
  if (router.child.exitCode !== null || router.child.signalCode !== null) return router.child.exitCode;
  router.child.kill(signal);
  return router.exited;
}

export async function stopAll(p: Pipeline): Promise<void> {
  for (const r of p.routers) await stopRouter(p, r, 'SIGKILL');
}

// ---------------------------------------------------------------- producing the stream

export async function openProducer(extra: Record<string, string | number> = {}): Promise<KafkaProducer> {
  const producer = new KafkaProducer({ ...producerSettings(kafka), 'message.timeout.ms': 120_000, ...extra });
  await producer.connect();
  return producer;
}

/** Produces the events in `chunks` slices, `pauseMs` apart, so disturbances land while events keep arriving. */
export async function streamEvents(p: Pipeline, events: StreamEvent[], options: { chunks?: number; pauseMs?: number; from?: number; to?: number } = {}): Promise<void> {
  const producer = await openProducer();
  const from = options.from ?? 0;
  const to = options.to ?? events.length;
  const chunks = options.chunks ?? 8;
  const size = Math.ceil((to - from) / chunks);
  try {
    for (let i = from; i < to; i += size) {
      await Promise.all(events.slice(i, Math.min(to, i + size)).map((e) => producer.produce({ topic: p.topics[e.topic], key: e.key, value: e.value })));
      if (i + size < to) await new Promise((r) => setTimeout(r, options.pauseMs ?? 400));
    }
  } finally {
    await producer.disconnect();
  }
}

// ---------------------------------------------------------------- observing the outcome

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Rows written so far (any table), for "wait until it made progress"; 0 while the database is unreachable. */
export async function progress(p: Pipeline): Promise<number> {
  try {
    return await withClient(p.db.url, async (c) => {
      const { rows } = await c.query<{ n: string }>(
        'SELECT (SELECT count(*) FROM page_image_state) + (SELECT count(*) FROM image_change) + (SELECT count(*) FROM recommendation_status) AS n',
      );
      return Number(rows[0]!.n);
    });
  } catch {
    return 0;
  }
}

export async function waitForProgress(p: Pipeline, atLeast: number, what: string, timeoutMs = 120_000): Promise<number> {
  return waitFor(what, async () => {
    assertNoCrash(p);
    const n = await progress(p);
    return n >= atLeast ? n : undefined;
  }, timeoutMs, 100);
}

export type Tables = Record<string, Array<Record<string, unknown>>>;

/** The state tables, without the columns that record when a row was written. */
export async function tables(p: Pipeline): Promise<Tables> {
  const queries: Record<string, string> = {
    page_image_state:
      'SELECT wiki, page_id, page_title, rev_id, rev_timestamp, images, illustrated, illustrated_by_suggestion FROM page_image_state ORDER BY wiki, page_id',
    image_change: 'SELECT wiki, page_id, rev_id, image, change, rev_timestamp, by_suggestion, event_id FROM image_change ORDER BY wiki, rev_id, image, change',
    recommendation_status:
      // A status names the stream it came from; each pipeline reads its own prefixed topics, so the prefix goes.
      "SELECT wiki, page_id, image, status, reasons, regexp_replace(source, '^faults-[^.]*\\.', '') AS source, event_dt, rev_id, event_id FROM recommendation_status ORDER BY wiki, page_id, image",
    unprocessable_event: 'SELECT wiki, ref, reason, page_id FROM unprocessable_event ORDER BY wiki, ref',
  };
  return withClient(p.db.url, async (c) => {
    const out: Tables = {};
    for (const [name, sql] of Object.entries(queries)) out[name] = (await c.query(sql)).rows;
    return out;
  });
}

async function highWatermarks(topic: string): Promise<Map<number, number>> {
  try {
    const ends = await topicEnd(consumerSettings(kafka, 'imr-faults-probe'), topic);
    return new Map(ends.map((e) => [e.partition, e.high]));
  } catch {
    return new Map();
  }
}

/** Messages in a topic (sum of high watermarks; the topics are never compacted or trimmed in tests). */
export async function topicSize(topic: string): Promise<number> {
  let n = 0;
  for (const high of (await highWatermarks(topic)).values()) n += Math.max(0, high);
  return n;
}

/** True when every partition of every consumed topic (sources and retry topics) is committed to its end. */
export async function fullyCommitted(p: Pipeline): Promise<boolean> {
  for (const { group, topics } of p.groups) {
    for (const topic of topics) {
      const ends = await highWatermarks(topic);
      const nonEmpty = [...ends.entries()].filter(([, high]) => high > 0);
      if (nonEmpty.length === 0) continue;
      const committed = await committedOffsets(group, topic, nonEmpty.map(([partition]) => partition)).catch(() => new Map<number, number>());
      for (const [partition, high] of nonEmpty) if ((committed.get(partition) ?? -1) < high) return false;
    }
  }
  return true;
}

/** Waits until every event finished (applied, or parked and back from the retry topic, or dead-lettered). */
export async function settled(p: Pipeline, timeoutMs = 180_000): Promise<void> {
  await waitFor(`every event of ${p.name} committed`, async () => {
    assertNoCrash(p);
    return (await fullyCommitted(p)) || undefined;
  }, timeoutMs, 500);
}

export async function dropPipeline(p: Pipeline): Promise<void> {
  await stopAll(p);
  await p.db.drop().catch(() => undefined);
  const { deleteTopics } = await import('../../../lib/kafka/admin.ts');
  await deleteTopics(KAFKA_BROKERS, [...Object.values(p.topics), `${p.service}.retry.${p.topics.revisions}`, `${p.service}.retry.${p.topics.feedback}`, `${p.service}.error`]).catch(() => undefined);
}

// ---------------------------------------------------------------- services

export async function restartPostgres(): Promise<void> {
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', '15', 'main', 'restart'], { timeout: 120_000 });
}

export async function postgresUp(): Promise<boolean> {
  try {
    await run('pg_isready', ['-h', '127.0.0.1', '-p', '5432'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export async function kafkaScript(action: 'start' | 'stop' | 'status'): Promise<void> {
  await run('bash', [join(REPO, 'scripts/kafka.sh'), action], { cwd: REPO, timeout: 180_000 });
}

/** Resident set size of a process, MB, from /proc (0 when it is gone). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}
