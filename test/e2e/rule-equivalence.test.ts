// image_matching_page_content_change is a real replacement for image_matching_revisions: the same edits, as
// mediawiki.revision-create events through one and as mediawiki.page_content_change.v1 events through the other (each
// router with its own database), leave the same tables and the same derived events. The only differences are the
// ones the streams impose: statuses name their stream as source, and page_change cannot say whether an edit reverts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import yaml from 'js-yaml';
import { Router } from '../../lib/app/router.ts';
import { parseConfig } from '../../lib/config/load.ts';
import { createLogger } from '../../lib/log.ts';
import { createTopics } from '../../lib/kafka/admin.ts';
import { createMetrics, PrometheusObserver } from '../../lib/metrics/index.ts';
import { KAFKA_BROKERS, createTestDatabase, uniqueName, waitFor } from '../helpers/services.ts';
import { REPO, readTopic, withProducer } from '../helpers/router-harness.ts';
import { FakeMediaWiki } from '../helpers/mediawiki-server.ts';

interface Edit {
  rev: number;
  parent: number | null;
  text: string;
  comment: string;
  redirect?: boolean;
  revert?: boolean;
}

const ARTICLE = 'The lighthouse stands on the point.\n{{Infobox lighthouse|name=Point}}\n';
const PAGE = { id: 900, title: 'Example_Point' };
const EDITS: Edit[] = [
  { rev: 1, parent: null, text: ARTICLE, comment: 'create' },
  { rev: 2, parent: 1, text: ARTICLE.replace('name=Point', 'name=Point|image=Point lighthouse.jpg'), comment: 'Added image #suggestededit-add-image-infobox' },
  { rev: 3, parent: 2, text: `${ARTICLE.replace('name=Point', 'name=Point|image=Point lighthouse.jpg')}[[File:Lens.png|thumb]]`, comment: 'more' },
  { rev: 4, parent: 3, text: `${ARTICLE}[[File:Lens.png|thumb]]`, comment: 'Undo revision 2', revert: true },
  { rev: 5, parent: 4, text: 'copyedit: ' + `${ARTICLE}[[File:Lens.png|thumb]]`, comment: 'copyedit' },
  { rev: 6, parent: 5, text: '#REDIRECT [[Point (lighthouse)]]', comment: 'merged', redirect: true },
  { rev: 7, parent: 6, text: `${ARTICLE}[[File:Lens.png|thumb]][[File:Keeper.jpg]]`, comment: 'Restored the article' },
];
const at = (rev: number) => new Date(Date.UTC(2024, 2, 1, 0, rev)).toISOString();

function revisionCreate(e: Edit): Record<string, unknown> {
  return {
    $schema: '/mediawiki/revision/create/2.0.0',
    meta: { stream: 'mediawiki.revision-create', domain: 'en.wikipedia.org', dt: at(e.rev), id: `ev-${e.rev}`, request_id: `rq-${e.rev}` },
    dt: at(e.rev),
    database: 'enwiki',
    page_id: PAGE.id,
    page_title: PAGE.title,
    page_namespace: 0,
    page_is_redirect: e.redirect === true,
    rev_id: e.rev,
    ...(e.parent === null ? {} : { rev_parent_id: e.parent, rev_content_changed: true }),
    rev_timestamp: at(e.rev),
    rev_is_revert: e.revert === true,
    rev_slots: { main: { rev_slot_content_model: 'wikitext', rev_slot_sha1: 'x', rev_slot_size: e.text.length } },
    comment: e.comment,
  };
}

function pageContentChange(e: Edit): Record<string, unknown> {
  return {
    $schema: '/mediawiki/page/change/1.2.0',
    changelog_kind: e.parent === null ? 'insert' : 'update',
    page_change_kind: e.parent === null ? 'create' : 'edit',
    comment: e.comment,
    dt: at(e.rev),
    meta: { stream: 'mediawiki.page_content_change.v1', domain: 'en.wikipedia.org', dt: at(e.rev), id: `ev-${e.rev}`, request_id: `rq-${e.rev}` },
    wiki_id: 'enwiki',
    page: { page_id: PAGE.id, page_title: PAGE.title, namespace_id: 0, is_redirect: e.redirect === true },
    revision: {
      rev_id: e.rev,
      ...(e.parent === null ? {} : { rev_parent_id: e.parent }),
      rev_dt: at(e.rev),
      comment: e.comment,
      content_slots: { main: { slot_role: 'main', content_model: 'wikitext', content_format: 'text/x-wiki', content_body: e.text } },
    },
  };
}

interface Side {
  name: string;
  stream: string;
  enable: string;
  event: (e: Edit) => Record<string, unknown>;
  prefix: string;
  db?: Awaited<ReturnType<typeof createTestDatabase>>;
  client?: pg.Client;
  router?: Router;
  observer: PrometheusObserver;
}

describe('the page_content_change rule and the revision rule are equivalent', { timeout: 240_000 }, () => {
  const api = new FakeMediaWiki();
  const sides: Side[] = [
    { name: 'revisions', stream: 'mediawiki.revision-create', enable: 'image_matching_revisions', event: revisionCreate, prefix: uniqueName('eqr'), observer: new PrometheusObserver(createMetrics({ defaultMetrics: false })) },
    { name: 'content', stream: 'mediawiki.page_content_change.v1', enable: 'image_matching_page_content_change', event: pageContentChange, prefix: uniqueName('eqc'), observer: new PrometheusObserver(createMetrics({ defaultMetrics: false })) },
  ];
  const derivedOf = (side: Side) => `${side.prefix}.imagematching.page_image_change`;
  const tagsOf = (side: Side) => `${side.prefix}.mediawiki.cirrussearch.page_weighted_tags_change.v1`;

  before(async () => {
    for (const e of EDITS) api.addRevision({ revId: e.rev, pageId: PAGE.id, title: PAGE.title, parentId: e.parent, timestamp: at(e.rev), text: e.text });
    await api.start();
    const shipped = yaml.load(readFileSync(join(REPO, 'rules/image_matching.yaml'), 'utf8')) as { rules: Array<Record<string, unknown>> };
    for (const side of sides) {
      side.db = await createTestDatabase();
      side.client = new pg.Client({ connectionString: side.db.url });
      await side.client.connect();
      await createTopics(KAFKA_BROKERS, [{ topic: `${side.prefix}.${side.stream}` }, { topic: derivedOf(side) }, { topic: tagsOf(side) }]);
      const rules = shipped.rules
        .filter((r) => r.name === side.enable)
        .map((r) =>
          JSON.parse(
            JSON.stringify(r)
              .replaceAll('"topic":"imagematching.page_image_change"', `"topic":"${derivedOf(side)}"`)
              .replaceAll('"topic":"mediawiki.cirrussearch.page_weighted_tags_change.v1"', `"topic":"${tagsOf(side)}"`),
          ) as Record<string, unknown>,
        )
        .map((r) => ({ ...r, enabled: true }));
      assert.equal(rules.length, 1);
      const dir = mkdtempSync(join(tmpdir(), 'imr-eq-'));
      writeFileSync(join(dir, 'rules.yaml'), yaml.dump({ rules }));
      const config = parseConfig(
        `service: {name: ${side.prefix}}
kafka: {brokers: "${KAFKA_BROKERS}", dc_prefixes: ["${side.prefix}"], commit_interval_ms: 100, consumer: {"session.timeout.ms": 6000, "heartbeat.interval.ms": 500}}
database: {url: "${side.db.url}", migrate_on_start: true}
mediawiki: {api_url: "${api.url}", batch_linger_ms: 5}
rules: {paths: ["${join(dir, 'rules.yaml')}"]}
log: {level: ${process.env.TEST_LOG_LEVEL ?? 'warn'}}
`,
        {},
      );
      side.router = await Router.start(config, { log: createLogger(config.log.level as 'warn'), observer: side.observer, io: side.observer });
    }
  });

  after(async () => {
    for (const side of sides) {
      await side.router?.stop(5000);
      await side.client?.end();
      await side.db?.drop();
    }
    await api.stop();
  });

  async function tables(side: Side): Promise<Record<string, unknown[]>> {
    const q = async (sql: string) => (await side.client!.query(sql)).rows;
    return {
      page_image_state: await q('SELECT wiki, page_id, page_title, rev_id, rev_timestamp, images, illustrated, illustrated_by_suggestion, is_redirect FROM page_image_state ORDER BY wiki, page_id'),
      image_change: await q('SELECT wiki, page_id, rev_id, image, change, rev_timestamp, by_suggestion, event_id FROM image_change ORDER BY wiki, rev_id, image, change'),
      recommendation_status: await q('SELECT wiki, page_id, image, status, reasons, event_dt, rev_id, event_id FROM recommendation_status ORDER BY wiki, page_id, image'),
      unprocessable_event: await q('SELECT wiki, ref, reason, page_id, event_id FROM unprocessable_event ORDER BY wiki, ref'),
      recommendation_exclusions: await q('SELECT * FROM recommendation_exclusions ORDER BY wiki, page_id, image NULLS FIRST, reason'),
    };
  }

  test('the same edits leave the same tables and the same derived events', async () => {
    for (const side of sides) {
      await withProducer(async (p) => {
        for (const e of EDITS) await p.produce({ topic: `${side.prefix}.${side.stream}`, key: `enwiki:${PAGE.id}`, value: JSON.stringify(side.event(e)) });
      });
    }
    await waitFor('both sides finished', () =>
      sides.every((side) => {
        const c = side.observer.ruleCounts(side.enable);
        return c.succeeded + c.skipped + c.unmatched + c.dead_lettered >= EDITS.length;
      }),
    );
    const [revisions, content] = await Promise.all(sides.map(tables));
    assert.ok((revisions!.image_change as unknown[]).length >= 5, 'the edits changed images');
    assert.deepEqual(content, revisions);
    for (const [side, source] of [[sides[0]!, 'mediawiki.revision-create'], [sides[1]!, 'mediawiki.page_content_change.v1']] as const) {
      assert.deepEqual((await side.client!.query('SELECT DISTINCT source FROM recommendation_status')).rows, [{ source }], `${side.name}: statuses name its stream`);
    }
    for (const side of sides) assert.equal(side.observer.ruleCounts(side.enable).skipped, 1, `${side.name}: the redirect is skipped`);

    const derived = await Promise.all(sides.map(async (side) => (await readTopic(derivedOf(side), 4)).map((m) => JSON.parse(m.value!.toString()) as Record<string, unknown>)));
    const comparable = (events: Array<Record<string, unknown>>) => events.map(({ is_revert: _r, ...e }) => e).sort((a, b) => Number(a.rev_id) - Number(b.rev_id));
    assert.deepEqual(comparable(derived[1]!), comparable(derived[0]!));
    assert.deepEqual(derived[0]!.map((e) => [e.rev_id, e.is_revert]).sort(), [[2, false], [3, false], [4, true], [7, false]]);
    assert.ok(derived[1]!.every((e) => e.is_revert === null), 'page_change does not say whether an edit reverts');
    // The page became illustrated at rev 2 and again when it stopped being a redirect (rev 7): two clears each side.
    const clears = await Promise.all(sides.map(async (side) => (await readTopic(tagsOf(side), 2)).map((m) => m.value!.toString()).sort()));
    assert.deepEqual(clears[1], clears[0]);
    assert.deepEqual(clears[0]!.map((v) => JSON.parse(v).dt), [at(2), at(7)]);
  });
});
