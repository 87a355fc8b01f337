// revisions: revision-create events of real article sizes through the real `image_matching_revisions` rule:
// fetch_revisions → image_diff → judge_illustration → record_page_images → produce (only changes), with the texts
// served by a local Action API. Pages get ten revisions each, interleaved, starting from a revision whose parent
// the router has never seen (so the first event of each page needs two texts and the others one). It runs with
// `illustrated.rule: any_image`, which asks the API for nothing but revisions.
//
// revisions_model: the same events three times in one run: any_image (the baseline), the model's rule, and the
// model's rule with no usage cache (every look-up misses, as a router meeting only files it never saw); API
// requests per event by kind, over the backlog (the router starts cold) and the rate phase (page creations).
import pg from 'pg';
import { defaultNamespaceNames } from '../../lib/wikitext/siteinfo.ts';
import { extractImages } from '../../lib/wikitext/extract-images.ts';
import { asciiJson, responseText } from '../../lib/mediawiki/response-text.ts';
import { consumeBaseline, upsertBaseline } from '../lib/baselines.ts';
import { latencyFromSql, realRule, rowScenarioFields, runRouterScenario, type ScenarioOptions, type ScenarioResult } from '../lib/scenario.ts';
import { RevisionApi, loadArticles, revIdOf, type CorpusInfo, type RequestCounts } from '../lib/revision-corpus.ts';
import type { BenchMessage } from '../lib/services.ts';

const REVISIONS_PER_PAGE = 10;
/** Rate-phase pages are created after the bench starts: page ids far above the backlog's. */
const RATE_PAGE_BASE = 900_000;

function revisionEvent(pageId: number, step: number, timestamp: string): BenchMessage {
  const revId = revIdOf(pageId, step);
  const event = {
    $schema: '/mediawiki/revision/create/2.0.0',
    meta: { domain: 'en.wikipedia.org', dt: timestamp, id: `rev-${revId}`, request_id: 'bench', stream: 'mediawiki.revision-create' },
    dt: timestamp,
    database: 'enwiki',
    page_id: pageId,
    page_title: `Bench_page_${pageId}`,
    page_namespace: 0,
    page_is_redirect: false,
    rev_id: revId,
    ...(step > 0 ? { rev_parent_id: revId - 1, rev_content_changed: true } : {}),
    rev_timestamp: timestamp,
    rev_sha1: 'x',
    rev_len: 1000,
    rev_minor_edit: false,
    rev_content_model: 'wikitext',
    rev_content_format: 'text/x-wiki',
    rev_is_revert: false,
    performer: { user_text: 'Bench', user_groups: ['*', 'user'], user_is_bot: false, user_id: 1, user_edit_count: 10 },
    comment: step % 10 === 3 ? 'Added image #suggestededit-add-image-top' : 'copyedit',
  };
  return { key: `enwiki:${pageId}`, value: JSON.stringify(event) };
}

interface Variant {
  name: string;
  /** The router's `illustrated` settings. */
  illustrated: Record<string, unknown>;
  /** Measure the extraction and upsert baselines (the revisions scenario), or only the router (runs compared with each other). */
  baselines: boolean;
}

/** API requests per event, by kind and in all, over `events` events. */
function perEvent(counts: RequestCounts, events: number): Record<string, number> {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const round = (n: number) => Number((n / Math.max(1, events)).toFixed(4));
  return { ...Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0).map(([kind, n]) => [kind, round(n)])), total: round(total) };
}

const difference = (after: RequestCounts, before: RequestCounts): RequestCounts =>
  Object.fromEntries(Object.entries(after).map(([kind, n]) => [kind, n - before[kind as keyof RequestCounts]])) as RequestCounts;

export function revisionsScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  return runRevisions(options, { name: 'revisions', illustrated: { rule: 'any_image' }, baselines: true });
}

/** The model's rule against any_image in one run; settle_ms 0, as the bench's revisions are older than any settling. */
export async function revisionsModelScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const runs: Array<[string, Record<string, unknown>]> = [
    ['any_image', { rule: 'any_image' }],
    ['model', { rule: 'model', settle_ms: 0 }],
    ['model_no_usage_cache', { rule: 'model', settle_ms: 0, usage_cache_size: 1 }],
  ];
  const results: Record<string, ScenarioResult> = {};
  for (const [label, illustrated] of runs) {
    options.log(`  -- illustrated: ${JSON.stringify(illustrated)}`);
    results[label] = await runRevisions(options, { name: 'revisions_model', illustrated, baselines: false });
  }
  const [base, model, cold] = [results.any_image!, results.model!, results.model_no_usage_cache!];
  const summary = (r: ScenarioResult) => ({
    events_per_s: r.events_per_s,
    router_cpu_us_per_event: r.router_cpu_us_per_event,
    p50_ms: r.p50_ms,
    p99_ms: r.p99_ms,
    peak_rss_mb: r.peak_rss_mb,
    api_requests_per_event: r.api_requests_per_event,
    requests_per_backlog_event: r.requests_per_backlog_event,
    requests_per_rate_event: r.requests_per_rate_event,
    outcomes: r.outcomes,
  });
  return {
    ...model,
    name: 'revisions_model',
    baseline_events_per_s: base.events_per_s,
    ratio_to_baseline: Number((model.events_per_s / base.events_per_s).toFixed(3)),
    runs: { any_image: summary(base), model: summary(model), model_no_usage_cache: summary(cold) },
  };
}

async function runRevisions(options: ScenarioOptions, variant: Variant): Promise<ScenarioResult> {
  const corpus: CorpusInfo = loadArticles();
  options.log(`  texts: ${corpus.source}: ${corpus.articles.length} articles, mean ${(corpus.meanBytes / 1024).toFixed(1)} KB`);
  if (!corpus.fromCorpus) options.log('  WARNING: the shared corpus is absent (CORPUS_DIR); using generated wikitext of similar sizes');
  const pages = Math.max(1, Math.ceil(options.events / REVISIONS_PER_PAGE));
  // Event i: page (i mod pages) + 1, its step 1 + floor(i / pages); step 0 is the unseen parent.
  const at = (i: number) => ({ pageId: (i % pages) + 1, step: 1 + Math.floor(i / pages) });
  const lastStep = at(options.events - 1).step;
  // Page props name a backlog page's last revision (the API is ahead of most events), a created page's only one.
  const api = new RevisionApi(corpus.articles, (pageId) => revIdOf(pageId, pageId >= RATE_PAGE_BASE ? 0 : lastStep));
  await api.start();
  const backlogTs = '2024-01-01T00:00:00.000Z';
  let afterBacklog: RequestCounts | null = null;
  try {
    return await runRouterScenario(
      {
        name: variant.name,
        stream: 'mediawiki.revision-create',
        apiUrl: api.url,
        config: { illustrated: variant.illustrated },
        backlogDrained: () => {
          afterBacklog = api.counts();
        },
        rules: ({ prefix }) => realRule('image_matching_revisions', { 'topic: imagematching.page_image_change': `topic: ${prefix}.imagematching.page_image_change` }),
        extraTopics: ({ prefix }) => [`${prefix}.imagematching.page_image_change`],
        backlog: (i) => {
          const { pageId, step } = at(i);
          return revisionEvent(pageId, step, backlogTs);
        },
        // Page creations (one text each), stamped with their send time.
        rateEvent: (i) => revisionEvent(RATE_PAGE_BASE + i, 0, new Date().toISOString()),
        async measure(ctx) {
          const requestsPerEvent = api.requests / (options.events + ctx.rateEvents);
          const revisionsPerRequest = api.byKind.revisions === 0 ? 0 : api.revisionsServed / api.byKind.revisions;
          const backlogCounts = afterBacklog ?? api.counts();
          const requests = {
            api_requests_by_kind: api.counts(),
            requests_per_backlog_event: perEvent(backlogCounts, options.events),
            requests_per_rate_event: perEvent(difference(api.counts(), backlogCounts), ctx.rateEvents),
          };
          const client = new pg.Client({ connectionString: ctx.db.url });
          await client.connect();
          const counts = await client.query<{ pages: string; illustrated: string; changes: string; statuses: string }>(
            `SELECT (SELECT count(*) FROM page_image_state) AS pages, (SELECT count(*) FROM page_image_state WHERE illustrated) AS illustrated,
                    (SELECT count(*) FROM image_change) AS changes, (SELECT count(*) FROM recommendation_status) AS statuses`,
          );
          await client.end();
          const latency = ctx.rateEvents > 0
            ? await latencyFromSql(ctx.db.url, `SELECT extract(epoch FROM (updated_at - rev_timestamp)) * 1000 AS ms FROM page_image_state WHERE page_id >= ${RATE_PAGE_BASE}`)
            : { p50: NaN, p99: NaN, n: 0, max: NaN };
          const common = {
            api_requests: api.requests,
            api_requests_per_event: Number(requestsPerEvent.toFixed(4)),
            ...requests,
            api_revisions_per_request: Number(revisionsPerRequest.toFixed(1)),
            api_revisions_per_event: Number((api.revisionsServed / (options.events + ctx.rateEvents)).toFixed(3)),
            corpus: corpus.fromCorpus ? 'shared corpus' : 'generated',
            mean_text_kb: Number((corpus.meanBytes / 1024).toFixed(1)),
            pages: Number(counts.rows[0]!.pages),
            illustrated_pages: Number(counts.rows[0]!.illustrated),
            image_changes: Number(counts.rows[0]!.changes),
            statuses: Number(counts.rows[0]!.statuses),
          };
          if (!variant.baselines) return { p50_ms: latency.p50, p99_ms: latency.p99, latency_max_ms: latency.max, latency_rows: latency.n, baseline_events_per_s: NaN, ratio_to_baseline: NaN, ...common };
          const consume = await consumeBaseline(ctx.topic, options.events);

          // Extraction alone: the one text per event the router must scan, on one core, plus the decode of the
          // API answer it arrived in (bytes as the API sends them, to string, JSON.parse), as the router does.
          const names = defaultNamespaceNames('enwiki');
          const sample = Math.min(options.events, 3000);
          const pageRows: unknown[][] = [[], [], [], [], [], []];
          const answers = new Map<number, Buffer>();
          const answerOf = (revId: number) => {
            let answer = answers.get(revId);
            if (answer === undefined) answers.set(revId, (answer = Buffer.from(asciiJson(JSON.stringify({ content: api.textOf(revId) })))));
            return answer;
          };
          for (let i = 0; i < sample; i++) answerOf(revIdOf(at(i).pageId, at(i).step));
          let bytes = 0;
          const started = performance.now();
          for (let i = 0; i < sample; i++) {
            const { pageId, step } = at(i);
            const decoded = JSON.parse(responseText(answerOf(revIdOf(pageId, step)))) as { content: string };
            bytes += decoded.content.length;
            extractImages(decoded.content, names);
          }
          const extractSeconds = (performance.now() - started) / 1000;
          const extractPerS = sample / extractSeconds;
          // The page_image_state rows of every event, by hand (images from the variant of each revision).
          const imagesOf = new Map<string, string>();
          for (let i = 0; i < options.events; i++) {
            const { pageId, step } = at(i);
            const revId = revIdOf(pageId, step);
            const variantKey = `${api.articleOf(pageId)}/${step % 10}`;
            let images = imagesOf.get(variantKey);
            if (images === undefined) imagesOf.set(variantKey, (images = extractImages(api.textOf(revId), names).join('|')));
            [ 'enwiki', pageId, `Bench_page_${pageId}`, revId, backlogTs, images ].forEach((v, c) => pageRows[c]!.push(v));
          }
          const upsert = await upsertBaseline(
            ctx.db.url,
            'page_image_state',
            (t) => `INSERT INTO ${t} AS p (wiki, page_id, page_title, rev_id, rev_timestamp, images, illustrated, counted_images,
                                         illustration_source, illustration_rule, updated_at)
                    SELECT r.wiki, r.page_id, r.page_title, r.rev_id, r.rev_timestamp, string_to_array(r.images, '|'), r.images <> '',
                           string_to_array(r.images, '|'), CASE WHEN r.images <> '' THEN 'image' END, 'any_image', now()
                      FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::timestamptz[], $6::text[])
                           AS r(wiki, page_id, page_title, rev_id, rev_timestamp, images)
                    ON CONFLICT (wiki, page_id) DO UPDATE SET page_title = excluded.page_title, rev_id = excluded.rev_id,
                       rev_timestamp = excluded.rev_timestamp, images = excluded.images, illustrated = excluded.illustrated,
                       counted_images = excluded.counted_images, illustration_source = excluded.illustration_source,
                       illustration_rule = excluded.illustration_rule, updated_at = excluded.updated_at
                     WHERE excluded.rev_id > p.rev_id`,
            pageRows,
            // One row per page per statement: a batch holds at most one revision of each page.
            pages,
          );
          return {
            ...rowScenarioFields(ctx.eventsPerS, latency, consume, upsert),
            extract_events_per_s_one_core: Math.round(extractPerS),
            extract_mb_per_s_one_core: Number((bytes / 2 ** 20 / extractSeconds).toFixed(1)),
            ...common,
          };
        },
      },
      options,
    );
  } finally {
    await api.stop();
  }
}
