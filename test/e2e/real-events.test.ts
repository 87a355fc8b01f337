// Every example embedded in every version of the real Wikimedia schemas (../shared/reference/wikimedia-schemas),
// their canary copies and real-shaped variants, through the shipped rules on the real broker and database, with the
// local MediaWiki API. Each event must end in the outcome the test names, and leave exactly the state it should.
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
import { parseDeadLetter } from '../../lib/engine/parking.ts';
import { KAFKA_BROKERS, createTestDatabase, uniqueName, waitFor } from '../helpers/services.ts';
import { REPO, readTopic, shippedRulesConfig, withProducer } from '../helpers/router-harness.ts';
import { FakeMediaWiki } from '../helpers/mediawiki-server.ts';
import { schemaBody, schemaVersions, schemasAvailable, schemasMissing } from '../helpers/wikimedia-schemas.ts';

type Event = Record<string, unknown>;
type Expected = { rule: string; outcome: 'succeeded' | 'unmatched' | 'dead_lettered' | 'skipped'; reason?: string };

const clone = <T>(v: T): T => structuredClone(v);
const canary = (e: Event): Event => ({ ...clone(e), meta: { ...(e.meta as Event), domain: 'canary' } });
const examples = (name: string) => schemaVersions(name).flatMap((v) => v.examples.map((example) => ({ version: v.version, example })));

describe('real schema examples, every version, through the shipped rules', { timeout: 300_000 }, () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const observer = new PrometheusObserver(metrics);
  const prefix = uniqueName('real').replace(/[^a-z0-9-]/g, '');
  const service = uniqueName('imr-real');
  const streams = {
    revisions: 'mediawiki.revision-create',
    content: 'mediawiki.page_content_change.v1',
    feedback: 'mediawiki.image_suggestions_feedback',
    android: 'android.image_recommendation_interaction',
  };
  const topic = (stream: string) => `${prefix}.${stream}`;
  const derivedTopic = `${prefix}.imagematching.page_image_change`;
  const tagsTopic = `${prefix}.mediawiki.cirrussearch.page_weighted_tags_change.v1`;
  const api = new FakeMediaWiki();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: pg.Client;
  let router: Router | undefined;
  const sent: Array<{ stream: string; event: Event; expected: Expected }> = [];

  const send = (stream: string, event: Event, expected: Expected) => sent.push({ stream, event, expected });
  const rows = async (sql: string, values: unknown[] = []) => (await client.query(sql, values)).rows as Array<Record<string, unknown>>;

  before(async () => {
    if (!schemasAvailable) return;
    const revision = (revId: number, pageId: number, title: string, parentId: number | null, text: string) =>
      api.addRevision({ revId, pageId, title, parentId, timestamp: '2024-02-01T00:00:00Z', text });
    // The revision-create examples (1.2.0 and 2.0.0 share rev ids 123 and 124 of examplewiki; 2.0.0 adds my_wiki's 42).
    revision(122, 123, 'TestPage10', 121, 'An article without an image.');
    revision(123, 123, 'TestPage10', 122, 'An article. [[File:Example A.jpg|thumb|A photo]]');
    revision(124, 123, 'TestPage10', 123, 'An article without an image.');
    revision(1, 23, 'Test', null, 'Hello');
    revision(42, 23, 'Test', 1, 'Hello [[File:Test photo.png]]');
    // Variants: no rev_content_model; no meta.domain; redirects; a page_content_change parent; the Android page.
    revision(9000, 700, 'Variant_one', null, 'Text.');
    revision(9001, 700, 'Variant_one', 9000, 'Text. [[File:V1.jpg]]');
    revision(9010, 701, 'Variant_two', null, 'Text.');
    revision(9011, 701, 'Variant_two', 9010, 'Text. [[File:V2.jpg]]');
    revision(9021, 702, 'Redirected_and_back', null, 'Text. [[File:Pic.jpg]]');
    revision(9022, 702, 'Redirected_and_back', 9021, '#REDIRECT [[Elsewhere]] [[Category:Redirects]]');
    revision(9023, 702, 'Redirected_and_back', 9022, 'Text again. [[File:Pic.jpg]]');
    revision(9031, 703, 'Now_a_redirect', null, 'Text. [[File:Pic.jpg]]');
    revision(9032, 703, 'Now_a_redirect', 9031, '#REDIRECT [[Elsewhere]]');
    revision(5555, 5555, 'Earthworm', null, 'Worms.');
    await api.start();
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await createTopics(KAFKA_BROKERS, [...Object.values(streams).map((s) => ({ topic: topic(s) })), { topic: derivedTopic }, { topic: tagsTopic }]);
    const config = shippedRulesConfig({
      service,
      prefix,
      databaseUrl: db.url,
      apiUrl: api.url,
      replace: {
        'topic: imagematching.page_image_change': `topic: ${derivedTopic}`,
        'enabled: false': 'enabled: true',
        'topic: mediawiki.cirrussearch.page_weighted_tags_change.v1': `topic: ${tagsTopic}`,
      },
      allowedDomains: ['*.wikipedia.org', 'localhost'],
    });
    router = await Router.start(config, { log: createLogger(config.log.level as 'warn'), observer, io: observer });
  });

  after(async () => {
    await router?.stop(5000);
    await client?.end();
    await db?.drop();
    await api.stop();
  });

  test('each event ends in its outcome, every event read is counted once, and the state is what the events say', async (t) => {
    if (!schemasAvailable) return t.skip(schemasMissing);
    const R = 'image_matching_revisions';
    const C = 'image_matching_page_content_change';
    const F = 'image_matching_feedback';
    const A = 'image_matching_android_feedback';

    // revision/create: every example of every version, and its canary copy.
    const revisionExamples = examples('primary/mediawiki/revision/create');
    assert.deepEqual([...new Set(revisionExamples.map((e) => e.version))], ['1.2.0', '2.0.0']);
    for (const { example } of revisionExamples) {
      send(streams.revisions, example, { rule: R, outcome: 'succeeded' });
      send(streams.revisions, canary(example), { rule: R, outcome: 'skipped', reason: 'canary' });
    }
    const base = clone(revisionExamples.find((e) => e.version === '2.0.0')!.example);
    const variant = (over: Event, drop: string[] = []): Event => {
      const e = { ...clone(base), database: 'enwiki', meta: { ...(base.meta as Event), domain: 'en.wikipedia.org' }, ...over };
      for (const key of drop) delete (e as Event)[key];
      return e;
    };
    // 2.0.0 guarantees rev_slots.main.rev_slot_content_model, not rev_content_model.
    send(streams.revisions, variant({ page_id: 700, page_title: 'Variant_one', rev_id: 9001, rev_parent_id: 9000 }, ['rev_content_model']), { rule: R, outcome: 'succeeded' });
    // meta.domain is optional: the domain comes from the wiki id.
    send(streams.revisions, { ...variant({ page_id: 701, page_title: 'Variant_two', rev_id: 9011, rev_parent_id: 9010 }), meta: { stream: 'mediawiki.revision-create', dt: '2024-02-01T00:00:00Z' } }, { rule: R, outcome: 'succeeded' });
    // An article turned into a redirect and back; another left a redirect.
    send(streams.revisions, variant({ page_id: 702, page_title: 'Redirected_and_back', rev_id: 9021 }, ['rev_parent_id', 'rev_content_changed']), { rule: R, outcome: 'succeeded' });
    send(streams.revisions, variant({ page_id: 702, page_title: 'Redirected_and_back', rev_id: 9022, rev_parent_id: 9021, page_is_redirect: true }), { rule: R, outcome: 'skipped', reason: 'redirect' });
    send(streams.revisions, variant({ page_id: 702, page_title: 'Redirected_and_back', rev_id: 9023, rev_parent_id: 9022 }), { rule: R, outcome: 'succeeded' });
    send(streams.revisions, variant({ page_id: 703, page_title: 'Now_a_redirect', rev_id: 9031 }, ['rev_parent_id', 'rev_content_changed']), { rule: R, outcome: 'succeeded' });
    send(streams.revisions, variant({ page_id: 703, page_title: 'Now_a_redirect', rev_id: 9032, rev_parent_id: 9031, page_is_redirect: true }), { rule: R, outcome: 'skipped', reason: 'redirect' });
    // Not articles' wikitext: a Wikibase slot, a null edit, another project.
    send(streams.revisions, variant({ page_id: 705, rev_id: 9051, rev_content_model: 'wikibase-item', rev_slots: { main: { rev_slot_content_model: 'wikibase-item', rev_slot_sha1: 'x', rev_slot_size: 2 } } }), { rule: R, outcome: 'unmatched' });
    send(streams.revisions, variant({ page_id: 706, rev_id: 9061, rev_content_changed: false }), { rule: R, outcome: 'unmatched' });
    send(streams.revisions, variant({ page_id: 707, rev_id: 9071, database: 'enwiktionary' }), { rule: R, outcome: 'unmatched' });

    // page/change: its example (a Talk page, a redirect) and a real-shaped page_content_change edit of an article.
    const pageChange = examples('primary/mediawiki/page/change');
    assert.ok(pageChange.length > 0);
    for (const { example } of pageChange) {
      send(streams.content, example, { rule: C, outcome: 'unmatched' });
      send(streams.content, canary(example), { rule: C, outcome: 'skipped', reason: 'canary' });
    }
    const change = clone(pageChange[0]!.example);
    Object.assign(change, { wiki_id: 'enwiki', page_change_kind: 'create', meta: { ...(change.meta as Event), domain: 'en.wikipedia.org', stream: streams.content } });
    Object.assign(change.page as Event, { page_id: 704, namespace_id: 0, is_redirect: false, page_title: 'Flowing' });
    const rev = change.revision as Event;
    Object.assign(rev, { rev_id: 9041 });
    delete rev.rev_parent_id;
    (rev.content_slots as { main: Event }).main.content_body = 'Carried text. [[File:Flow.jpg]]';
    send(streams.content, change, { rule: C, outcome: 'succeeded' });

    // image-suggestions-feedback: every version's example, a copy of each on a page of its own, canaries, and shapes
    // that cannot be read.
    const feedback = examples('secondary/mediawiki/page/image-suggestions-feedback');
    assert.deepEqual([...new Set(feedback.map((e) => e.version))], ['1.0.0', '2.0.0', '2.1.0']);
    feedback.forEach(({ example }, i) => {
      send(streams.feedback, example, { rule: F, outcome: 'succeeded' });
      send(streams.feedback, { ...clone(example), page_id: 2000 + i }, { rule: F, outcome: 'succeeded' });
      send(streams.feedback, canary({ ...example, page_id: 3000 + i }), { rule: F, outcome: 'skipped', reason: 'canary' });
    });
    const latest = feedback[feedback.length - 1]!.example;
    send(streams.feedback, { ...clone(latest), page_id: 2100, is_accepted: true, is_rejected: true }, { rule: F, outcome: 'dead_lettered' });
    send(streams.feedback, { ...clone(latest), page_id: 2101, filename: 'Category:Lighthouses' }, { rule: F, outcome: 'dead_lettered' });
    // 2.1.0 from the section task: "not for this section" alone rules the image out of that section only.
    send(streams.feedback, { ...clone(latest), page_id: 2200, rejection_reasons: ['sectionnotappropriate'], section_title: 'History', section_ordinal: 1 }, { rule: F, outcome: 'succeeded' });

    // The legacy Android stream: its example, the same decision from a user with two app languages, a canary.
    const android = examples('secondary/analytics/mobile_apps/android_image_recommendation_interaction');
    assert.ok(android.length > 0);
    for (const { example } of android) {
      send(streams.android, example, { rule: A, outcome: 'succeeded' });
      send(streams.android, { ...clone(example), lang: 'en,de', page_title: 'earthworm' }, { rule: A, outcome: 'succeeded' });
      send(streams.android, canary({ ...example, page_title: 'Canary page' }), { rule: A, outcome: 'skipped', reason: 'canary' });
    }

    await withProducer(async (p) => {
      for (const { stream, event } of sent) await p.produce({ topic: topic(stream), value: JSON.stringify(event) });
    });
    const expectedCounts = new Map<string, Map<string, number>>();
    for (const { expected } of sent) {
      const byRule = expectedCounts.get(expected.rule) ?? new Map<string, number>();
      const key = expected.reason ? `${expected.outcome}:${expected.reason}` : expected.outcome;
      byRule.set(key, (byRule.get(key) ?? 0) + 1);
      expectedCounts.set(expected.rule, byRule);
    }
    const finished = (rule: string) => {
      const c = observer.ruleCounts(rule);
      return c.succeeded + c.unmatched + c.skipped + c.dead_lettered;
    };
    await waitFor('every event finished', () => [...expectedCounts].every(([rule, counts]) => finished(rule) >= [...counts.values()].reduce((a, b) => a + b, 0)), 120_000);

    const scrape = await metrics.registry.getMetricsAsJSON();
    const series = (name: string) => (scrape.find((m) => m.name === name)?.values ?? []) as Array<{ labels: Record<string, string>; value: number }>;
    for (const [rule, counts] of expectedCounts) {
      const actual = new Map<string, number>();
      for (const v of series('imagematching_router_events_finished_total')) {
        if (v.labels.rule === rule && v.labels.outcome !== 'skipped') actual.set(v.labels.outcome!, (actual.get(v.labels.outcome!) ?? 0) + v.value);
      }
      for (const v of series('imagematching_router_events_skipped_total')) {
        if (v.labels.rule === rule) actual.set(`skipped:${v.labels.reason}`, (actual.get(`skipped:${v.labels.reason}`) ?? 0) + v.value);
      }
      assert.deepEqual(Object.fromEntries([...actual].sort()), Object.fromEntries([...counts].sort()), `outcomes of ${rule}`);
      const c = observer.ruleCounts(rule);
      assert.equal(c.consumed, finished(rule), `${rule}: every event read ends in exactly one outcome`);
    }

    // Canaries never became state, never cost an API request.
    assert.deepEqual(await rows(`SELECT page_id FROM recommendation_status WHERE page_id >= 3000 AND page_id < 3100`), []);
    assert.ok(!api.requests.some((r) => (r.params.get('titles') ?? '').includes('Canary')), 'no look-up for a canary');

    // Feedback: each version's decision on the real file, never a URL or a namespace as a name.
    const decisions = await rows(`SELECT page_id::int, image, status, reasons, source FROM recommendation_status WHERE wiki = 'enwiki' AND page_id BETWEEN 1234 AND 2999 ORDER BY page_id`);
    assert.deepEqual(decisions.map((d) => [d.page_id, d.image, d.status, d.reasons, d.source]), [
      [1234, 'Example.JPEG', 'rejected', decisions[0]!.reasons, streams.feedback],
      [2000, 'Example.JPEG', 'rejected', ['Incorrect Image'], streams.feedback],
      [2001, 'Example.JPEG', 'rejected', ['notrelevant', 'lowquality'], streams.feedback],
      [2002, 'Example.JPEG', 'rejected', ['notrelevant', 'lowquality', 'sectionnotappropriate'], streams.feedback],
    ]);
    assert.deepEqual(await rows(`SELECT page_id::int, image, section_title, section_ordinal, reasons FROM recommendation_section_status`), [
      { page_id: 2200, image: 'Example.JPEG', section_title: 'History', section_ordinal: 1, reasons: ['sectionnotappropriate'] },
    ]);
    const letters = (await readTopic(`${service}.error`, 2)).map((m) => parseDeadLetter(m.value));
    assert.deepEqual(letters.map((l) => l.error.message).sort(), [
      'feedback event is both accepted and rejected (is_accepted and is_rejected are both true): its decision cannot be told',
      `feedback event's filename "Category:Lighthouses" names a page outside the File namespace`,
    ]);

    // Android: one accepted decision on the resolved page, from both language lists.
    assert.deepEqual(await rows(`SELECT page_id::int, image, status, reasons, source FROM recommendation_status WHERE page_id = 5555`), [
      { page_id: 5555, image: 'Eathworm_image.jpeg', status: 'accepted', reasons: [], source: streams.android },
    ]);

    // Revisions: the examples' edits, the derived domain, redirects, the page_content_change edit.
    const state = await rows(`SELECT wiki, page_id::int, rev_id::int, images, illustrated, is_redirect FROM page_image_state ORDER BY wiki, page_id`);
    assert.deepEqual(state.map((s) => [s.wiki, s.page_id, s.rev_id, s.images, s.illustrated, s.is_redirect]), [
      ['enwiki', 700, 9001, ['V1.jpg'], true, false],
      ['enwiki', 701, 9011, ['V2.jpg'], true, false],
      ['enwiki', 702, 9023, ['Pic.jpg'], true, false],
      ['enwiki', 703, 9032, [], false, true],
      ['enwiki', 704, 9041, ['Flow.jpg'], true, false],
      ['examplewiki', 123, 124, [], false, false],
      ['my_wiki', 23, 42, ['Test_photo.png'], true, false],
    ]);
    assert.ok(api.requests.some((r) => r.domain === 'en.wikipedia.org' && (r.params.get('revids') ?? '').split('|').includes('9011')), 'the wiki id gave the domain');
    assert.ok(api.requests.some((r) => r.domain === 'localhost' && (r.params.get('revids') ?? '').includes('42')), "my_wiki's own meta.domain was used");
    assert.ok(!api.requests.some((r) => ['9022', '9032'].some((id) => (r.params.get('revids') ?? '').split('|').includes(id))), 'nothing fetched for a redirect');
    const changes = await rows(`SELECT page_id::int, rev_id::int, image, change FROM image_change WHERE page_id IN (702, 703) ORDER BY rev_id`);
    assert.deepEqual(changes.map((c) => [c.page_id, c.rev_id, c.image, c.change]), [
      [702, 9021, 'Pic.jpg', 'added'],
      [702, 9023, 'Pic.jpg', 'added'],
      [703, 9031, 'Pic.jpg', 'added'],
    ], 'turning into a redirect removes nothing; turning back adds the images again');
    const exclusions = await rows(`SELECT page_id::int, image, reason FROM recommendation_exclusions WHERE wiki = 'enwiki' AND page_id BETWEEN 700 AND 799 ORDER BY page_id, image NULLS FIRST`);
    assert.deepEqual(exclusions.map((e) => [e.page_id, e.image, e.reason]), [
      [700, null, 'illustrated'], [700, 'V1.jpg', 'applied'],
      [701, null, 'illustrated'], [701, 'V2.jpg', 'applied'],
      [702, null, 'illustrated'], [702, 'Pic.jpg', 'applied'],
      [703, null, 'redirect'], [703, 'Pic.jpg', 'applied'],
      [704, null, 'illustrated'], [704, 'Flow.jpg', 'applied'],
    ]);
    assert.deepEqual(await rows(`SELECT DISTINCT source FROM recommendation_status WHERE page_id = 704`), [{ source: streams.content }]);

    // Every derived event is valid against the stream's own schema, examples included.
    const schema = JSON.parse(readFileSync(join(REPO, 'schemas/imagematching/page_image_change/2.1.0.json'), 'utf8')) as Record<string, unknown>;
    const validate = new Ajv({ strict: false, validateFormats: false }).compile(schemaBody(schema));
    const derived = (await readTopic(derivedTopic, 11)).map((m) => JSON.parse(m.value!.toString()) as Event);
    for (const e of [...derived, ...(schema.examples as Event[])]) assert.ok(validate(e), `${JSON.stringify(e)}: ${JSON.stringify(validate.errors)}`);
    const flow = derived.find((e) => e.rev_id === 9041)!;
    assert.deepEqual([flow.added, flow.is_revert, (flow.meta as Event).domain], [['Flow.jpg'], null, 'en.wikipedia.org']);
    assert.deepEqual([flow.illustrated, flow.illustration_source, flow.counted_images, flow.illustration_rule], [true, 'image', ['Flow.jpg'], 'model'], "judged by the model's rule, the shipped default");

    // A clear of the search tags for every page an edit illustrated, and none for a page that kept or lost its image;
    // valid against Wikimedia's schema and against the shape the project ships.
    const tags = await readTopic(tagsTopic, 9);
    const real = schemaVersions('primary/development/cirrussearch/page_weighted_tags_change').find((v) => v.version === '1.0.0')!;
    const ours = JSON.parse(readFileSync(join(REPO, 'schemas/mediawiki/cirrussearch/page_weighted_tags_change/1.0.0.json'), 'utf8')) as Record<string, unknown>;
    const validators = [new Ajv({ strict: false, validateFormats: false }).compile(schemaBody(real.schema)), new Ajv({ strict: false, validateFormats: false }).compile(schemaBody(ours))];
    for (const m of tags) {
      const e = JSON.parse(m.value!.toString()) as Event;
      for (const validate of validators) assert.ok(validate(e), `${JSON.stringify(e)}: ${JSON.stringify(validate.errors)}`);
      const page = e.page as Event;
      assert.deepEqual(JSON.parse(m.key!.toString()), { wiki_id: e.wiki_id, page_id: page.page_id }, 'keyed {wiki_id, page_id}');
      assert.deepEqual(e.weighted_tags, { clear: ['recommendation.image', 'recommendation.image_section'] });
    }
    const cleared = tags.map((m) => JSON.parse(m.value!.toString()) as { wiki_id: string; page: { page_id: number } }).map((e) => `${e.wiki_id}:${e.page.page_id}`).sort();
    assert.deepEqual(cleared, ['enwiki:700', 'enwiki:701', 'enwiki:702', 'enwiki:702', 'enwiki:703', 'enwiki:704', 'examplewiki:123', 'examplewiki:123', 'my_wiki:23']);
  });
});
