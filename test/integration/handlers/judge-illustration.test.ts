// The revision steps of the shipped rule (fetch_revisions → image_diff → judge_illustration → record_page_images) on
// both store back ends, with the local Action API over real HTTP and the engine's runChain: the model's rule as the
// state and the exclusions view record it, what each verdict costs in requests, the race with the links update,
// caches and their TTL, and API faults that are retried, never guessed.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../lib/config/load.ts';
import { silentLogger } from '../../../lib/log.ts';
import { TransientError } from '../../../lib/errors.ts';
import { handlers } from '../../../lib/handlers/registry.ts';
import { abortableSleep, runChain, type ChainOutcome, type RunnableStep } from '../../../lib/engine/run-chain.ts';
import type { StepContext } from '../../../lib/engine/step.ts';
import { migrate } from '../../../lib/store/migrate.ts';
import type { Pool } from '../../../lib/store/pool.ts';
import { handlerEnvironment, type TestEnvironment } from '../../helpers/handler-environment.ts';
import { STORE_BACKENDS } from '../../helpers/services.ts';
import { FakeMediaWiki } from '../../helpers/mediawiki-server.ts';
import { revisionCreateEvent } from '../../helpers/revision-events.ts';

const FLAG = 'Flag_of_France.svg';
const PHOTO = 'Eiffel_Tower_at_night.jpg';
const EDITED = '2024-05-01T10:00:00Z';
const EDITED_MS = Date.parse(EDITED);

class Clock {
  ms = EDITED_MS + 3_600_000;
  now(): number {
    return this.ms;
  }
}

const revisionEvent = (pageId: number, revId: number, parent: number | null) => revisionCreateEvent(pageId, revId, parent, { timestamp: EDITED });

for (const backend of STORE_BACKENDS) describe(`the model's illustration rule through the revision steps on the ${backend.name}`, () => {
  let pool: Pool;
  let closeDb: () => Promise<void>;
  let api: FakeMediaWiki;
  const opened: TestEnvironment[] = [];

  before(async () => {
    ({ pool, close: closeDb } = await backend.open());
    await migrate(pool);
  });
  after(() => closeDb());
  beforeEach(async () => {
    await pool.query('TRUNCATE page_image_state, image_change, recommendation_status, unprocessable_event');
    api = new FakeMediaWiki();
    api.siteinfo.statistics.articles = 6_900_000; // enwiki: a file linked from 48 articles is an icon
    api.fileUsage.set(FLAG, Array.from({ length: 900 }, (_, i) => i + 1));
    api.fileUsage.set(PHOTO, [1, 2]);
    await api.start();
  });
  afterEach(async () => {
    for (const env of opened.splice(0)) await env.close();
    await api.stop();
  });

  /** The four steps as the shipped rule has them, on services built by the composition root from `illustrated`. */
  function chain(illustrated = '{}', clock?: Clock): { steps: RunnableStep[]; run(message: Record<string, unknown>): Promise<{ outcome: ChainOutcome; results: Record<string, unknown> }> } {
    const config = parseConfig(
      `kafka: {brokers: "127.0.0.1:9092"}
database: {url: "postgres://unused@127.0.0.1/unused"}
mediawiki: {api_url: "${api.url}", allowed_domains: ["*.wikipedia.org"], user_agent: "imagematching-router-test/1.0 (test@example.org)", batch_linger_ms: 2, timeout_ms: 2000}
illustrated: ${illustrated}
`,
      {},
    );
    const env = handlerEnvironment(config, { pool, ...(clock ? { clock } : {}) });
    opened.push(env);
    const spec: Array<[string, Record<string, unknown>]> = [
      ['fetch_revisions', { use_stored_parent: true, images: true, namespaces: 'bundled' }],
      ['image_diff', { from: 'fetch_revisions', namespaces: 'bundled', stop_when_unchanged: false }],
      ['judge_illustration', { from: 'image_diff' }],
      ['record_page_images', { from: 'image_diff', illustration: 'judge_illustration', stop_when_unchanged: true }],
    ];
    const steps = spec.map(([name, options]) => ({ name, step: handlers.get(name)!.create(options, env) }));
    return {
      steps,
      async run(message) {
        const ctx: StepContext = { message, match: {}, results: {}, source: { topic: 't', partition: 0, offset: 0, key: null, stream: 'mediawiki.revision-create' }, rule: 'r', log: silentLogger };
        const outcome = await runChain(steps, ctx, { inProcess: 0, limit: 0, delayMs: 1, maxDelayMs: 1 }, new AbortController().signal, { sleep: abortableSleep });
        return { outcome, results: ctx.results as Record<string, unknown> };
      },
    };
  }

  const page = async (pageId: number) =>
    (await pool.query(`SELECT rev_id::int, images, illustrated, counted_images, illustration_source, illustration_rule FROM page_image_state WHERE page_id = $1`, [pageId])).rows[0];
  const excludedAsIllustrated = async (pageId: number) =>
    (await pool.query(`SELECT 1 FROM recommendation_exclusions WHERE page_id = $1 AND image IS NULL AND reason = 'illustrated'`, [pageId])).rows.length > 0;
  const kinds = () => api.requests.map((r) => (r.params.has('revids') ? 'revisions' : r.params.get('meta') === 'siteinfo' ? 'siteinfo' : r.params.get('prop') === 'fileusage' ? 'fileusage' : r.params.get('prop') === 'pageprops|info' ? 'pageprops' : 'other'));
  const record = (results: Record<string, unknown>) => results.record_page_images as { illustrated: boolean; wasIllustrated: boolean; becameIllustrated: boolean; countedImages: string[] };

  test('a page whose only image is a flag icon stays unillustrated; adding a real photo illustrates it', async () => {
    api.addRevision({ revId: 11, pageId: 1, title: 'Page_1', parentId: null, timestamp: EDITED, text: `A village. [[File:Flag of France.svg|20px]]` });
    api.addRevision({ revId: 12, pageId: 1, title: 'Page_1', parentId: 11, timestamp: EDITED, text: `A village. [[File:Flag of France.svg|20px]] [[File:Eiffel Tower at night.jpg|thumb|At night]]` });
    api.pageProps.set(1, { lastRevId: 11 });
    const steps = chain();

    const created = await steps.run(revisionEvent(1, 11, null));
    assert.equal(created.outcome.kind, 'done');
    assert.deepEqual(await page(1), { rev_id: 11, images: [FLAG], illustrated: false, counted_images: [], illustration_source: null, illustration_rule: 'model' });
    assert.equal(await excludedAsIllustrated(1), false, 'the batch job may still suggest for it');
    assert.deepEqual([record(created.results).illustrated, record(created.results).becameIllustrated], [false, false], 'no weighted-tag clear');
    assert.deepEqual(kinds(), ['revisions', 'siteinfo', 'fileusage', 'pageprops']);

    api.requests.length = 0;
    api.pageProps.set(1, { lastRevId: 12, pageImage: PHOTO });
    const illustrated = await steps.run(revisionEvent(1, 12, 11));
    assert.deepEqual(await page(1), { rev_id: 12, images: [PHOTO, FLAG], illustrated: true, counted_images: [PHOTO], illustration_source: 'image', illustration_rule: 'model' });
    assert.equal(await excludedAsIllustrated(1), true);
    assert.deepEqual([record(illustrated.results).wasIllustrated, record(illustrated.results).becameIllustrated], [false, true], 'the clear is produced');
    assert.deepEqual(kinds(), ['revisions', 'fileusage'], 'only the photo is looked up; the parent came from the stored state, the flag and the article count from the caches');
  });

  test("an icon-only page that PageImages gave a page image is illustrated by it", async () => {
    api.addRevision({ revId: 21, pageId: 2, title: 'Page_2', parentId: null, timestamp: EDITED, text: `{{Infobox settlement|name=X}} [[File:Flag of France.svg|20px]]` });
    api.pageProps.set(2, { lastRevId: 21, pageImageFree: 'Wikidata_photo.jpg' });
    const { results } = await chain().run(revisionEvent(2, 21, null));
    assert.deepEqual(await page(2), { rev_id: 21, images: [FLAG], illustrated: true, counted_images: [], illustration_source: 'page_image', illustration_rule: 'model' });
    assert.equal(record(results).becameIllustrated, true);
  });

  test('an edit keeping the same images carries the stored verdict forward with no look-up, and the chain stops', async () => {
    api.addRevision({ revId: 31, pageId: 3, title: 'Page_3', parentId: null, timestamp: EDITED, text: `[[File:Flag of France.svg|20px]]` });
    api.addRevision({ revId: 32, pageId: 3, title: 'Page_3', parentId: 31, timestamp: EDITED, text: `[[File:Flag of France.svg|20px]] copyedit` });
    api.pageProps.set(3, { lastRevId: 31 });
    const steps = chain();
    await steps.run(revisionEvent(3, 31, null));
    api.requests.length = 0;
    const { outcome, results } = await steps.run(revisionEvent(3, 32, 31));
    assert.deepEqual(outcome, { kind: 'done', stoppedAt: 'record_page_images' });
    assert.equal((results.judge_illustration as { how: string }).how, 'carried');
    assert.deepEqual(kinds(), ['revisions']);
    assert.deepEqual((await page(3)).rev_id, 32);
  });

  test('a page recorded by the any-image rule and judged by the model with the same images goes on to the derived event', async () => {
    api.addRevision({ revId: 41, pageId: 4, title: 'Page_4', parentId: null, timestamp: EDITED, text: `[[File:Flag of France.svg|20px]]` });
    api.addRevision({ revId: 42, pageId: 4, title: 'Page_4', parentId: 41, timestamp: EDITED, text: `[[File:Flag of France.svg|20px]] copyedit` });
    api.pageProps.set(4, { lastRevId: 42 });
    await chain('{rule: any_image}').run(revisionEvent(4, 41, null));
    assert.deepEqual(await page(4), { rev_id: 41, images: [FLAG], illustrated: true, counted_images: [FLAG], illustration_source: 'image', illustration_rule: 'any_image' });
    assert.deepEqual(kinds(), ['revisions'], 'the any-image rule asks nothing more');
    const { outcome, results } = await chain().run(revisionEvent(4, 42, 41));
    assert.deepEqual(outcome, { kind: 'done' }, 'not stopped: the verdict changed');
    assert.deepEqual([record(results).illustrated, record(results).wasIllustrated, record(results).becameIllustrated], [false, true, false]);
    assert.equal(await excludedAsIllustrated(4), false);
  });

  test('page props not yet written for the revision are retried, then decide: behind, then settling, then current', async () => {
    const clock = new Clock();
    clock.ms = EDITED_MS + 1_000;
    api.addRevision({ revId: 51, pageId: 5, title: 'Page_5', parentId: null, timestamp: EDITED, text: `{{Infobox person}} Text.` });
    api.pageProps.set(5, { lastRevId: 50 });
    const steps = chain('{settle_ms: 30000}', clock);
    const behind = await steps.run(revisionEvent(5, 51, null));
    assert.equal(behind.outcome.kind, 'failed');
    assert.ok(behind.outcome.kind === 'failed' && behind.outcome.step === 'judge_illustration' && behind.outcome.error instanceof TransientError && behind.outcome.error.retryAfterMs === undefined);
    assert.equal(await page(5), undefined, 'nothing recorded before the verdict');

    api.pageProps.set(5, { lastRevId: 51, pageImage: 'Portrait.jpg' });
    const settling = await steps.run(revisionEvent(5, 51, null));
    assert.ok(settling.outcome.kind === 'failed' && settling.outcome.error.retriable && settling.outcome.error.retryAfterMs === 29_000, JSON.stringify(settling.outcome));

    clock.ms = EDITED_MS + 30_000;
    const current = await steps.run(revisionEvent(5, 51, null));
    assert.equal(current.outcome.kind, 'done');
    assert.deepEqual(await page(5), { rev_id: 51, images: [], illustrated: true, counted_images: [], illustration_source: 'page_image', illustration_rule: 'model' });
  });

  test('usage counts and the article count are cached for every page until their TTL, then asked again', async () => {
    const clock = new Clock();
    for (const pageId of [61, 62, 63]) {
      api.addRevision({ revId: pageId * 10, pageId, title: `Page_${pageId}`, parentId: null, timestamp: EDITED, text: `[[File:Eiffel Tower at night.jpg]]` });
    }
    const steps = chain('{usage_ttl_ms: 60000, article_count_ttl_ms: 120000}', clock);
    await steps.run(revisionEvent(61, 610, null));
    await steps.run(revisionEvent(62, 620, null));
    assert.deepEqual(kinds(), ['revisions', 'siteinfo', 'fileusage', 'revisions'], 'the second page is answered from the cache');
    api.requests.length = 0;
    clock.ms += 60_001;
    await steps.run(revisionEvent(63, 630, null));
    assert.deepEqual(kinds(), ['revisions', 'fileusage'], 'the usage count expired, the article count not yet');
    assert.deepEqual((await page(63)).counted_images, [PHOTO]);
  });

  test('concurrent pages share their look-ups: one article count, one usage request for their files', async () => {
    for (let pageId = 71; pageId <= 90; pageId++) {
      api.fileUsage.set(`Local_${pageId}.jpg`, [pageId]);
      api.addRevision({ revId: pageId * 10, pageId, title: `Page_${pageId}`, parentId: null, timestamp: EDITED, text: `[[File:Local ${pageId}.jpg]] [[File:Flag of France.svg|20px]]` });
    }
    const steps = chain();
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => steps.run(revisionEvent(71 + i, (71 + i) * 10, null))));
    assert.ok(runs.every((r) => r.outcome.kind === 'done'));
    const counts = kinds().reduce<Record<string, number>>((acc, k) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }), {});
    assert.equal(counts.siteinfo, 1);
    assert.ok((counts.fileusage ?? 0) <= 2, JSON.stringify(counts));
    const illustrated = await pool.query(`SELECT count(*)::int AS n FROM page_image_state WHERE page_id BETWEEN 71 AND 90 AND illustrated AND counted_images = ARRAY['Local_' || page_id || '.jpg']`);
    assert.equal(illustrated.rows[0].n, 20);
  });

  test('API faults fail the step as retriable and record nothing; the next attempt decides', async () => {
    api.addRevision({ revId: 91, pageId: 9, title: 'Page_9', parentId: null, timestamp: EDITED, text: `[[File:Eiffel Tower at night.jpg]]` });
    const steps = chain();
    const siteinfo = (params: URLSearchParams) => params.get('meta') === 'siteinfo';
    api.failuresWhen.push({ when: siteinfo, failure: { status: 503, body: 'Service Unavailable' } });
    const first = await steps.run(revisionEvent(9, 91, null));
    assert.ok(first.outcome.kind === 'failed' && first.outcome.step === 'judge_illustration' && first.outcome.error.retriable, JSON.stringify(first.outcome));
    assert.equal(await page(9), undefined, 'never guessed');
    api.failuresWhen.push({ when: siteinfo, failure: { body: { batchcomplete: true, query: { general: {} } } } });
    const second = await steps.run(revisionEvent(9, 91, null));
    assert.ok(second.outcome.kind === 'failed' && /article count/.test(second.outcome.error.message) && second.outcome.error.retriable, 'a wiki whose article count cannot be read is retried');
    assert.equal(await page(9), undefined);
    api.failuresWhen.push({ when: (params) => params.get('prop') === 'fileusage', failure: { status: 429, headers: { 'retry-after': '7' }, body: 'Too many requests' } });
    const limited = await steps.run(revisionEvent(9, 91, null));
    assert.ok(limited.outcome.kind === 'failed' && limited.outcome.error.retriable && limited.outcome.error.retryAfterMs === 7000, 'Retry-After is honoured');
    assert.equal(await page(9), undefined);
    const third = await steps.run(revisionEvent(9, 91, null));
    assert.equal(third.outcome.kind, 'done');
    assert.deepEqual((await page(9)).illustrated, true);
  });

  test('an article again after a redirect is judged afresh: PageImages illustrates it though it shows no image', async () => {
    api.addRevision({ revId: 111, pageId: 11, title: 'Page_11', parentId: null, timestamp: EDITED, text: `[[File:Eiffel Tower at night.jpg]]` });
    api.addRevision({ revId: 112, pageId: 11, title: 'Page_11', parentId: 111, timestamp: EDITED, text: `#REDIRECT [[Elsewhere]]` });
    api.addRevision({ revId: 113, pageId: 11, title: 'Page_11', parentId: 112, timestamp: EDITED, text: `{{Infobox person|name=Someone}} Back.` });
    api.pageProps.set(11, { lastRevId: 113, pageImage: 'Someone.jpg' });
    const steps = chain();
    await steps.run(revisionEvent(11, 111, null));
    await steps.run({ ...revisionEvent(11, 112, 111), page_is_redirect: true });
    assert.deepEqual(await page(11), { rev_id: 112, images: [], illustrated: false, counted_images: [], illustration_source: null, illustration_rule: 'model' });
    const { results } = await steps.run(revisionEvent(11, 113, 112));
    assert.deepEqual(await page(11), { rev_id: 113, images: [], illustrated: true, counted_images: [], illustration_source: 'page_image', illustration_rule: 'model' });
    assert.deepEqual([record(results).wasIllustrated, record(results).becameIllustrated], [false, true]);
  });

  test('under any_image a flag illustrates the page and nothing but revisions is asked', async () => {
    api.addRevision({ revId: 101, pageId: 10, title: 'Page_10', parentId: null, timestamp: EDITED, text: `[[File:Flag of France.svg|20px]]` });
    const { results } = await chain('{rule: any_image}').run(revisionEvent(10, 101, null));
    assert.deepEqual(await page(10), { rev_id: 101, images: [FLAG], illustrated: true, counted_images: [FLAG], illustration_source: 'image', illustration_rule: 'any_image' });
    assert.equal(record(results).becameIllustrated, true);
    assert.deepEqual(kinds(), ['revisions']);
  });
});
