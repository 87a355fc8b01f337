// The serving path on the real broker and database: a suggestions dataset is imported and served in the Data
// Gateway's shape; an edit illustrates the page by another route; the suggestion is withdrawn at once from
// /v1/suggestions, and a weighted-tag clear, valid against Wikimedia's schema, is on the output topic.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { createTopics } from '../../lib/kafka/admin.ts';
import { SuggestionImporter } from '../../lib/suggestions/importer.ts';
import { KAFKA_BROKERS, createTestDatabase, uniqueName, waitFor } from '../helpers/services.ts';
import { REPO, readTopic, withProducer } from '../helpers/router-harness.ts';
import { FakeMediaWiki } from '../helpers/mediawiki-server.ts';
import { startInProcessRouter, type InProcessRouter } from '../helpers/in-process-router.ts';
import { cassandraRow, runId, writeNdjson } from '../helpers/suggestion-datasets.ts';
import { schemaBody, schemaVersions, schemasAvailable } from '../helpers/wikimedia-schemas.ts';

describe('the serving path: served, then withdrawn when the page is illustrated by another route', { timeout: 180_000 }, () => {
  const prefix = uniqueName('serve').replace(/[^a-z0-9-]/g, '');
  const revisions = `${prefix}.mediawiki.revision-create`;
  const tags = `${prefix}.mediawiki.cirrussearch.page_weighted_tags_change.v1`;
  const api = new FakeMediaWiki();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let router: InProcessRouter;
  const suggestions = async (pageId: number) => {
    const res = await fetch(`${router.url}/v1/suggestions/enwiki/${pageId}`);
    assert.equal(res.status, 200);
    return ((await res.json()) as { rows: Array<{ image: string; confidence: number }> }).rows;
  };
  const edit = (rev: number, parent: number | null, comment: string) => ({
    $schema: '/mediawiki/revision/create/2.0.0',
    meta: { stream: 'mediawiki.revision-create', domain: 'en.wikipedia.org', dt: `2024-05-14T10:0${rev}:00Z` },
    dt: `2024-05-14T10:0${rev}:00Z`,
    database: 'enwiki',
    page_id: 501,
    page_title: 'Lonely_lighthouse',
    page_namespace: 0,
    page_is_redirect: false,
    rev_id: rev,
    ...(parent === null ? {} : { rev_parent_id: parent, rev_content_changed: true }),
    rev_timestamp: `2024-05-14T10:0${rev}:00Z`,
    rev_slots: { main: { rev_slot_content_model: 'wikitext', rev_slot_sha1: 'x', rev_slot_size: 10 } },
    comment,
  });

  before(async () => {
    api.addRevision({ revId: 1, pageId: 501, title: 'Lonely_lighthouse', parentId: null, timestamp: '2024-05-14T10:01:00Z', text: 'A lighthouse on a rock.' });
    api.addRevision({ revId: 2, pageId: 501, title: 'Lonely_lighthouse', parentId: 1, timestamp: '2024-05-14T10:02:00Z', text: 'A lighthouse on a rock. [[File:Photo by a reader.jpg|thumb]]' });
    await api.start();
    db = await createTestDatabase();
    await createTopics(KAFKA_BROKERS, [{ topic: revisions }, { topic: tags }, { topic: `${prefix}.imagematching.page_image_change` }]);
    const dir = mkdtempSync(join(tmpdir(), 'imr-serving-'));
    const rules = readFileSync(join(REPO, 'rules/image_matching.yaml'), 'utf8')
      .replace('topic: imagematching.page_image_change', `topic: ${prefix}.imagematching.page_image_change`)
      .replace('topic: mediawiki.cirrussearch.page_weighted_tags_change.v1', `topic: ${tags}`);
    writeFileSync(join(dir, 'rules.yaml'), rules);
    writeFileSync(
      join(dir, 'config.yaml'),
      `service: {name: ${prefix}}
kafka: {brokers: "${KAFKA_BROKERS}", dc_prefixes: ["${prefix}"], commit_interval_ms: 100, consumer: {"session.timeout.ms": 6000, "heartbeat.interval.ms": 500}}
database: {url: "${db.url}", migrate_on_start: true}
mediawiki: {api_url: "${api.url}", batch_linger_ms: 5}
rules: {paths: [rules.yaml]}
log: {level: warn}
`,
    );
    router = await startInProcessRouter(join(dir, 'config.yaml'));
    // The weekly pipeline's dataset: two suggestions for the unillustrated page.
    writeNdjson(join(dir, 'suggestions.ndjson'), [cassandraRow(runId('2024-05-13T07:00:00Z'), 501, 'Suggested_A.jpg', 0.9), cassandraRow(runId('2024-05-13T07:00:00Z'), 501, 'Suggested_B.jpg', 0.7)]);
    await new SuggestionImporter({ pool: router.router.pool }).importPaths([join(dir, 'suggestions.ndjson')]);
  });
  after(async () => {
    await router?.stop();
    await db?.drop();
    await api.stop();
  });

  test('the suggestion is served, the page gets an image from a reader, and it is gone with its search tags cleared', async () => {
    await withProducer((p) => p.produce({ topic: revisions, key: 'enwiki:501', value: JSON.stringify(edit(1, null, 'new article')) }));
    await waitFor('the article recorded', async () => (await router.router.pool.query(`SELECT 1 FROM page_image_state WHERE page_id = 501`)).rowCount === 1);
    assert.deepEqual((await suggestions(501)).map((r) => [r.image, r.confidence]), [['Suggested_A.jpg', 0.9], ['Suggested_B.jpg', 0.7]]);

    await withProducer((p) => p.produce({ topic: revisions, key: 'enwiki:501', value: JSON.stringify(edit(2, 1, 'added a photo I took')) }));
    await waitFor('the suggestions withdrawn', async () => (await suggestions(501)).length === 0);

    const [clear] = await readTopic(tags, 1);
    const event = JSON.parse(clear!.value!.toString()) as Record<string, unknown>;
    assert.deepEqual(JSON.parse(clear!.key!.toString()), { wiki_id: 'enwiki', page_id: 501 });
    assert.deepEqual([event.wiki_id, (event.page as { page_id: number }).page_id, event.weighted_tags], ['enwiki', 501, { clear: ['recommendation.image', 'recommendation.image_section'] }]);
    const ours = JSON.parse(readFileSync(join(REPO, 'schemas/mediawiki/cirrussearch/page_weighted_tags_change/1.0.0.json'), 'utf8')) as Record<string, unknown>;
    const schemas = [ours, ...(schemasAvailable ? [schemaVersions('primary/development/cirrussearch/page_weighted_tags_change').at(-1)!.schema] : [])];
    for (const schema of schemas) {
      const validate = new Ajv({ strict: false, validateFormats: false }).compile(schemaBody(schema));
      assert.ok(validate(event), JSON.stringify(validate.errors));
    }
  });
});
