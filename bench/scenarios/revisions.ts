// revisions: revision-create events of real article sizes through the real `image_matching_revisions` rule:
// fetch_revisions → image_diff → record_page_images → produce (only image changes), with the texts served
// by a local Action API. Pages get ten revisions each, interleaved, starting from a revision whose parent the
// router has never seen (so the first event of each page needs two texts and the others one).
import pg from 'pg';
import { defaultNamespaceNames } from '../../lib/wikitext/siteinfo.ts';
import { extractImages } from '../../lib/wikitext/extract-images.ts';
import { asciiJson, responseText } from '../../lib/mediawiki/response-text.ts';
import { consumeBaseline, upsertBaseline } from '../lib/baselines.ts';
import { latencyFromSql, realRule, rowScenarioFields, runRouterScenario, type ScenarioOptions, type ScenarioResult } from '../lib/scenario.ts';
import { RevisionApi, loadArticles, revIdOf, type CorpusInfo } from '../lib/revision-corpus.ts';
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

export async function revisionsScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const corpus: CorpusInfo = loadArticles();
  options.log(`  texts: ${corpus.source}: ${corpus.articles.length} articles, mean ${(corpus.meanBytes / 1024).toFixed(1)} KB`);
  if (!corpus.fromCorpus) options.log('  WARNING: the shared corpus is absent (CORPUS_DIR); using generated wikitext of similar sizes');
  const pages = Math.max(1, Math.ceil(options.events / REVISIONS_PER_PAGE));
  // Event i: page (i mod pages) + 1, its step 1 + floor(i / pages); step 0 is the unseen parent.
  const at = (i: number) => ({ pageId: (i % pages) + 1, step: 1 + Math.floor(i / pages) });
  const api = new RevisionApi(corpus.articles);
  await api.start();
  const backlogTs = '2024-01-01T00:00:00.000Z';
  try {
    return await runRouterScenario(
      {
        name: 'revisions',
        stream: 'mediawiki.revision-create',
        apiUrl: api.url,
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
          const revisionsPerRequest = api.revisionsServed / Math.max(1, api.requests);
          const client = new pg.Client({ connectionString: ctx.db.url });
          await client.connect();
          const counts = await client.query<{ pages: string; changes: string; statuses: string }>(
            `SELECT (SELECT count(*) FROM page_image_state) AS pages, (SELECT count(*) FROM image_change) AS changes,
                    (SELECT count(*) FROM recommendation_status) AS statuses`,
          );
          await client.end();
          const latency = ctx.rateEvents > 0
            ? await latencyFromSql(ctx.db.url, `SELECT extract(epoch FROM (updated_at - rev_timestamp)) * 1000 AS ms FROM page_image_state WHERE page_id >= ${RATE_PAGE_BASE}`)
            : { p50: NaN, p99: NaN, n: 0, max: NaN };
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
            (t) => `INSERT INTO ${t} AS p (wiki, page_id, page_title, rev_id, rev_timestamp, images, illustrated, updated_at)
                    SELECT r.wiki, r.page_id, r.page_title, r.rev_id, r.rev_timestamp, string_to_array(r.images, '|'), r.images <> '', now()
                      FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::timestamptz[], $6::text[])
                           AS r(wiki, page_id, page_title, rev_id, rev_timestamp, images)
                    ON CONFLICT (wiki, page_id) DO UPDATE SET page_title = excluded.page_title, rev_id = excluded.rev_id,
                       rev_timestamp = excluded.rev_timestamp, images = excluded.images, illustrated = excluded.illustrated,
                       updated_at = excluded.updated_at
                     WHERE excluded.rev_id > p.rev_id`,
            pageRows,
            // One row per page per statement: a batch holds at most one revision of each page.
            pages,
          );
          return {
            ...rowScenarioFields(ctx.eventsPerS, latency, consume, upsert),
            extract_events_per_s_one_core: Math.round(extractPerS),
            extract_mb_per_s_one_core: Number((bytes / 2 ** 20 / extractSeconds).toFixed(1)),
            api_requests: api.requests,
            api_requests_per_event: Number(requestsPerEvent.toFixed(4)),
            api_revisions_per_request: Number(revisionsPerRequest.toFixed(1)),
            api_revisions_per_event: Number((api.revisionsServed / (options.events + ctx.rateEvents)).toFixed(3)),
            corpus: corpus.fromCorpus ? 'shared corpus' : 'generated',
            mean_text_kb: Number((corpus.meanBytes / 1024).toFixed(1)),
            pages: Number(counts.rows[0]!.pages),
            image_changes: Number(counts.rows[0]!.changes),
            statuses: Number(counts.rows[0]!.statuses),
          };
        },
      },
      options,
    );
  } finally {
    await api.stop();
  }
}
