// The shipped revision rule with the ImageMatching model's illustration rule (the default), on the real broker and
// database, with the local Action API answering revisions, file usage, siteinfo statistics and page props over HTTP:
// a flag-only page stays unillustrated and gets no weighted-tag clear, a real photo illustrates it and clears, a
// PageImages page image illustrates an icon-only page, the links-update race and an API fault are waited out by the
// engine's retry (never guessed), and every derived event is valid page_image_change 2.1.0.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Ajv } from 'ajv';
import { Router } from '../../lib/app/router.ts';
import { createLogger } from '../../lib/log.ts';
import { createTopics } from '../../lib/kafka/admin.ts';
import { createMetrics, PrometheusObserver } from '../../lib/metrics/index.ts';
import { KAFKA_BROKERS, createTestDatabase, uniqueName, waitFor } from '../helpers/services.ts';
import { REPO, readTopic, shippedRulesConfig, withProducer } from '../helpers/router-harness.ts';
import { FakeMediaWiki } from '../helpers/mediawiki-server.ts';
import { schemaBody } from '../helpers/wikimedia-schemas.ts';
import { revisionCreateEvent } from '../helpers/revision-events.ts';

type Event = Record<string, unknown>;
const OLD = '2024-05-01T10:00:00Z';

describe("the model's illustration rule through the shipped rule, on the real broker", { timeout: 240_000 }, () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const observer = new PrometheusObserver(metrics);
  const prefix = uniqueName('illus').replace(/[^a-z0-9-]/g, '');
  const service = uniqueName('imr-illus');
  const input = `${prefix}.mediawiki.revision-create`;
  const derivedTopic = `${prefix}.imagematching.page_image_change`;
  const tagsTopic = `${prefix}.mediawiki.cirrussearch.page_weighted_tags_change.v1`;
  const api = new FakeMediaWiki();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: pg.Client;
  let router: Router | undefined;
  let produced = 0;

  const revisionEvent = (pageId: number, revId: number, parent: number | null, timestamp = OLD): Event => revisionCreateEvent(pageId, revId, parent, { timestamp, idPrefix: prefix });
  const send = async (events: Event[]) => {
    await withProducer(async (p) => {
      for (const e of events) await p.produce({ topic: input, key: `enwiki:${e.page_id}`, value: JSON.stringify(e) });
    });
    produced += events.length;
  };
  const finished = () => {
    const c = observer.ruleCounts('image_matching_revisions');
    return c.succeeded + c.skipped + c.dead_lettered + c.retried;
  };
  const state = async (pageId: number) =>
    (await client.query(`SELECT rev_id::int, images, illustrated, counted_images, illustration_source, illustration_rule FROM page_image_state WHERE page_id = $1`, [pageId])).rows[0];
  const pagePropsAsked = (pageId: number) => api.requests.filter((r) => r.params.get('prop') === 'pageprops|info' && (r.params.get('pageids') ?? '').split('|').includes(String(pageId))).length;

  before(async () => {
    api.siteinfo.statistics.articles = 6_900_000; // enwiki: 48 linking articles make an icon
    api.fileUsage.set('Flag_of_France.svg', Array.from({ length: 4000 }, (_, i) => i + 1));
    api.fileUsage.set('Eiffel_Tower_at_night.jpg', [1, 2, 3]);
    api.fileUsage.set('Louvre_courtyard.jpg', [9]);
    const revision = (revId: number, pageId: number, parentId: number | null, text: string, timestamp = OLD) =>
      api.addRevision({ revId, pageId, title: `Page_${pageId}`, parentId, timestamp, text });
    revision(8011, 801, null, 'A village in France. [[File:Flag of France.svg|20px]]');
    revision(8012, 801, 8011, 'A village in France. [[File:Flag of France.svg|20px]] [[File:Eiffel Tower at night.jpg|thumb|At night]]');
    api.pageProps.set(801, { lastRevId: 8011 });
    revision(8021, 802, null, '{{Infobox settlement|name=Somewhere}} [[File:Flag of France.svg|20px]]');
    api.pageProps.set(802, { lastRevId: 8021, pageImageFree: 'Somewhere_from_Wikidata.jpg' });
    revision(8041, 804, null, 'A museum. [[File:Louvre courtyard.jpg|thumb]]');
    await api.start();
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await createTopics(KAFKA_BROKERS, [{ topic: input, partitions: 2 }, { topic: derivedTopic }, { topic: tagsTopic }]);
    // The shipped rule and the default `illustrated` settings but a short settling time (the default is 60 s).
    const config = shippedRulesConfig({
      service,
      prefix,
      databaseUrl: db.url,
      apiUrl: api.url,
      replace: { 'topic: imagematching.page_image_change': `topic: ${derivedTopic}`, 'topic: mediawiki.cirrussearch.page_weighted_tags_change.v1': `topic: ${tagsTopic}` },
      extra: 'illustrated: {settle_ms: 3000}',
    });
    assert.equal(config.illustrated.rule, 'model', 'the default rule');
    router = await Router.start(config, { log: createLogger(config.log.level as 'warn'), observer, io: observer });
  });

  after(async () => {
    await router?.stop(5000);
    await client?.end();
    await db?.drop();
    await api.stop();
  });

  test('icons, photos, page images, the links-update race and a fault, as the model decides them', async () => {
    // A 429 on the museum's usage look-up: retried by the engine with the API's Retry-After, then decided.
    api.failuresWhen.push({
      when: (params) => params.get('prop') === 'fileusage' && (params.get('titles') ?? '').includes('Louvre'),
      failure: { status: 429, headers: { 'retry-after': '1' }, body: 'Too many requests' },
    });
    await send([revisionEvent(801, 8011, null), revisionEvent(802, 8021, null), revisionEvent(804, 8041, null)]);
    await waitFor('the first events', () => finished() >= produced, 60_000);
    assert.deepEqual(await state(801), { rev_id: 8011, images: ['Flag_of_France.svg'], illustrated: false, counted_images: [], illustration_source: null, illustration_rule: 'model' });
    // The next edit adds a photo; PageImages picks it once the links update ran.
    api.pageProps.set(801, { lastRevId: 8012, pageImage: 'Eiffel_Tower_at_night.jpg' });
    await send([revisionEvent(801, 8012, 8011)]);

    await waitFor('the photo edit', () => finished() >= produced, 60_000);
    // A page whose infobox takes its image from Wikidata, edited just now: the API has not seen the revision at
    // first (a lagging replica), then it is younger than settle_ms; the engine retries until its props are its own.
    const now = new Date().toISOString();
    api.addRevision({ revId: 8031, pageId: 803, title: 'Page_803', parentId: null, timestamp: now, text: '{{Infobox person|name=Someone}} A person.' });
    api.pageProps.set(803, { lastRevId: 8030 });
    await send([revisionEvent(803, 8031, null, now)]);
    await waitFor('page props asked for the new revision', () => pagePropsAsked(803) >= 1, 30_000, 10);
    api.pageProps.set(803, { lastRevId: 8031, pageImage: 'Someone_portrait.jpg' });
    await waitFor('every event finished', () => finished() >= produced, 60_000);

    const counts = observer.ruleCounts('image_matching_revisions');
    assert.deepEqual([counts.succeeded, counts.dead_lettered, counts.retried], [5, 0, 0], 'waited out in process: nothing parked, nothing lost');
    assert.ok(pagePropsAsked(803) >= 2, `the props were asked again (${pagePropsAsked(803)} times)`);
    assert.equal(api.failuresWhen.length, 0, 'the 429 was served');
    assert.ok(counts.step_retries >= 2, `the engine retried the step (${counts.step_retries} retries)`);

    assert.deepEqual(await state(801), { rev_id: 8012, images: ['Eiffel_Tower_at_night.jpg', 'Flag_of_France.svg'], illustrated: true, counted_images: ['Eiffel_Tower_at_night.jpg'], illustration_source: 'image', illustration_rule: 'model' });
    assert.deepEqual(await state(802), { rev_id: 8021, images: ['Flag_of_France.svg'], illustrated: true, counted_images: [], illustration_source: 'page_image', illustration_rule: 'model' });
    assert.deepEqual(await state(803), { rev_id: 8031, images: [], illustrated: true, counted_images: [], illustration_source: 'page_image', illustration_rule: 'model' });
    assert.deepEqual(await state(804), { rev_id: 8041, images: ['Louvre_courtyard.jpg'], illustrated: true, counted_images: ['Louvre_courtyard.jpg'], illustration_source: 'image', illustration_rule: 'model' });
    assert.equal(api.requests.filter((r) => r.params.get('meta') === 'siteinfo').length, 1, 'the article count is asked once');

    // The derived events: one per image change or verdict change, valid 2.1.0, saying what the model decided.
    const schema = JSON.parse(readFileSync(join(REPO, 'schemas/imagematching/page_image_change/2.1.0.json'), 'utf8')) as Record<string, unknown>;
    const validate = new Ajv({ strict: false, validateFormats: false }).compile(schemaBody(schema));
    const derived = (await readTopic(derivedTopic, 5)).map((m) => JSON.parse(m.value!.toString()) as Event);
    for (const e of derived) assert.ok(validate(e), `${JSON.stringify(e)}: ${JSON.stringify(validate.errors)}`);
    const byRev = Object.fromEntries(derived.map((e) => [e.rev_id, [e.illustrated, e.illustration_source, e.counted_images]]));
    assert.deepEqual(byRev, {
      8011: [false, null, []],
      8012: [true, 'image', ['Eiffel_Tower_at_night.jpg']],
      8021: [true, 'page_image', []],
      8031: [true, 'page_image', []],
      8041: [true, 'image', ['Louvre_courtyard.jpg']],
    }, 'a creation without images that PageImages illustrates changed its verdict: it has an event too');

    // Clears for every page an edit illustrated by the model's rule; none for the flag-only revision.
    const tags = (await readTopic(tagsTopic, 4)).map((m) => JSON.parse(m.value!.toString()) as { page: { page_id: number } });
    assert.deepEqual(tags.map((t) => t.page.page_id).sort(), [801, 802, 803, 804]);
    const exclusions = await client.query(`SELECT page_id::int FROM recommendation_exclusions WHERE image IS NULL AND reason = 'illustrated' ORDER BY page_id`);
    assert.deepEqual(exclusions.rows.map((r) => r.page_id), [801, 802, 803, 804]);
  });
});
