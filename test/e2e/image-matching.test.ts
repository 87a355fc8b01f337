// The whole router on the real broker and database, with rules/image_matching.yaml and a local HTTP server
// playing the MediaWiki API (revisions built from corpus articles). Revision and feedback events go in;
// the state tables, the exclusions view and the derived page_image_change events come out. Consuming the
// same events again, or a page's revisions newest first, leaves the same tables.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Router } from '../../lib/app/router.ts';
import { createLogger } from '../../lib/log.ts';
import { createTopics } from '../../lib/kafka/admin.ts';
import { KafkaConsumerClient, type ConsumedMessage } from '../../lib/kafka/consumer.ts';
import { consumerSettings } from '../../lib/kafka/client-config.ts';
import { KAFKA_BROKERS, createTestDatabase, uniqueName, waitFor } from '../helpers/services.ts';
import { REPO, shippedRulesConfig, withProducer } from '../helpers/router-harness.ts';
import { FakeMediaWiki } from '../helpers/mediawiki-server.ts';
import { createMetrics, PrometheusObserver } from '../../lib/metrics/index.ts';

const CORPUS_ARTICLE = join(REPO, '..', 'shared', 'corpus', 'wikitext', 'enwiki', 'toronto.txt');
// Corpus text is CC BY-SA (Wikipedia contributors, via wtf_wikipedia); the fixture is the project's own.
const ARTICLE = existsSync(CORPUS_ARTICLE)
  ? readFileSync(CORPUS_ARTICLE, 'utf8')
  : readFileSync(join(REPO, 'test/fixtures/wikitext/article-with-images.wiki'), 'utf8');

const SUGGESTED = '[[File:Suggested image.jpg|thumb|Added from a suggestion]]\n';
const TEXTS = {
  created: ARTICLE,
  withSuggestion: SUGGESTED + ARTICLE,
  copyedited: SUGGESTED + ARTICLE.replace(/\bthe\b/, 'teh'),
  reverted: ARTICLE,
};

interface Revision {
  rev: number;
  parent: number | null;
  text: string | null;
  comment: string;
  revert?: boolean;
}

/** Four revisions of one page: create, add an image through the Android task, copy-edit, roll back. */
function history(base: number): Revision[] {
  return [
    { rev: base + 1, parent: null, text: TEXTS.created, comment: 'create' },
    { rev: base + 2, parent: base + 1, text: TEXTS.withSuggestion, comment: 'Added image #suggestededit-add-image-top' },
    { rev: base + 3, parent: base + 2, text: TEXTS.copyedited, comment: 'copyedit' },
    { rev: base + 4, parent: base + 3, text: TEXTS.reverted, comment: 'Reverted edits (rollback)', revert: true },
  ];
}

describe('image matching end to end', { timeout: 240_000 }, () => {
  const metrics = createMetrics();
  const io = new PrometheusObserver(metrics);
  const runId = uniqueName('run');
  const prefix = uniqueName('e2e').replace(/[^a-z0-9-]/g, '');
  const service = uniqueName('imr-e2e');
  const topics = {
    revisions: `${prefix}.mediawiki.revision-create`,
    feedback: `${prefix}.mediawiki.image_suggestions_feedback`,
    legacy: `${prefix}.android.image_recommendation_interaction`,
    derived: `${prefix}.imagematching.page_image_change`,
  };
  const api = new FakeMediaWiki();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: pg.Client;
  let router: Router;
  const produced: Record<string, number> = { [topics.revisions]: 0, [topics.feedback]: 0, [topics.legacy]: 0 };

  const revisionEvent = (pageId: number, title: string, r: Revision) => ({
    $schema: '/mediawiki/revision/create/2.0.0',
    meta: { domain: 'en.wikipedia.org', dt: new Date(Date.UTC(2024, 0, 1, 0, 0, r.rev % 100)).toISOString(), id: `${runId}-${r.rev}`, request_id: runId, stream: 'mediawiki.revision-create' },
    database: 'enwiki',
    page_id: pageId,
    page_title: title,
    page_namespace: 0,
    rev_id: r.rev,
    ...(r.parent === null ? {} : { rev_parent_id: r.parent, rev_content_changed: true }),
    rev_timestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, r.rev % 100)).toISOString(),
    rev_content_model: 'wikitext',
    rev_is_revert: r.revert === true,
    ...(r.revert ? { rev_revert_details: { rev_revert_method: 'rollback', rev_is_exact_revert: true, rev_reverted_revs: [r.rev - 1, r.rev - 2], rev_original_rev_id: r.rev - 3 } } : {}),
    comment: r.comment,
  });

  const pages = {
    inOrder: { id: 101, title: 'Toronto', revisions: history(1000) },
    outOfOrder: { id: 201, title: 'Toronto_copy', revisions: history(2000) },
    hidden: { id: 301, title: 'Hidden', revisions: [{ rev: 3001, parent: null, text: null, comment: 'create' }] as Revision[] },
    plain: { id: 401, title: 'Plain_page', revisions: [{ rev: 4001, parent: null, text: 'A page without any image.', comment: 'create' }] as Revision[] },
  };

  const canonicalFeedback = (pageId: number, filename: string, over: Record<string, unknown>, second: number) => ({
    $schema: '/mediawiki/page/image-suggestions-feedback/2.1.0',
    meta: { stream: 'mediawiki.image_suggestions_feedback', dt: new Date(Date.UTC(2024, 0, 1, 0, 0, second)).toISOString(), id: `${runId}-fb-${pageId}-${filename}`, domain: 'en.wikipedia.org' },
    dt: new Date(Date.UTC(2024, 0, 1, 0, 0, second)).toISOString(),
    wiki: 'enwiki',
    page_id: pageId,
    filename,
    user_id: 42,
    is_accepted: false,
    is_rejected: false,
    rejection_reasons: [],
    origin_wiki: 'commonswiki',
    ...over,
  });
  const feedbackEvents = [
    // Accepted just before the edit that applied it (second 1 < rev 1002 at second 2).
    canonicalFeedback(101, 'Suggested image.jpg', { is_accepted: true }, 1),
    canonicalFeedback(401, 'Rejected.jpg', { is_rejected: true, rejection_reasons: ['notrelevant'] }, 5),
    canonicalFeedback(401, 'Maybe.jpg', { is_rejected: true, rejection_reasons: ['unfamiliar'] }, 5),
  ];
  const legacyEvents = [
    { meta: { stream: 'android.image_recommendation_interaction', dt: '2024-01-01T00:00:06Z', id: `${runId}-l1` }, dt: '2024-01-01T00:00:06Z', lang: 'en,de', page_title: 'Plain page', image_title: 'legacy choice.png', suggestion_source: 'wikidata', response_type: 1, reasons: [0, 3] },
    { meta: { stream: 'android.image_recommendation_interaction', dt: '2024-01-01T00:00:06Z', id: `${runId}-l2` }, dt: '2024-01-01T00:00:06Z', lang: 'en', page_title: 'No such page', image_title: 'X.png', response_type: 0, reasons: [] },
  ];

  async function produceAll(topic: string, events: Array<Record<string, unknown>>, key: (e: Record<string, unknown>) => string): Promise<void> {
    await withProducer(async (p) => {
      for (const e of events) await p.produce({ topic, key: key(e), value: JSON.stringify(e) });
    });
    produced[topic]! += events.length;
  }

  const revisionKey = (e: Record<string, unknown>) => `enwiki:${e.page_id}`;

  function revisionEvents(order: 'forward' | 'reverse' = 'forward'): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const page of [pages.inOrder, pages.hidden, pages.plain]) for (const r of page.revisions) out.push(revisionEvent(page.id, page.title, r));
    const shuffled = [...pages.outOfOrder.revisions].reverse();
    for (const r of order === 'forward' ? shuffled : pages.outOfOrder.revisions) out.push(revisionEvent(pages.outOfOrder.id, pages.outOfOrder.title, r));
    return out;
  }

  /** Every produced event of every rule is finished and committed. */
  async function settled(): Promise<void> {
    await waitFor('all events committed', () => {
      for (const [topic, count] of Object.entries(produced)) {
        const committed = router.consumers
          .flatMap((c) => c.pending())
          .filter((p) => p.topic === topic)
          .reduce((sum, p) => sum + (p.committed ?? 0), 0);
        if (committed < count) return false;
      }
      return true;
    }, 120_000, 100);
  }

  async function tables(): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    const queries: Record<string, string> = {
      page_image_state: 'SELECT wiki, page_id, page_title, rev_id, rev_timestamp, images, illustrated, illustrated_by_suggestion FROM page_image_state ORDER BY wiki, page_id',
      image_change: 'SELECT wiki, page_id, rev_id, image, change, by_suggestion FROM image_change ORDER BY wiki, rev_id, image, change',
      recommendation_status: 'SELECT wiki, page_id, image, status, reasons, source, event_dt, rev_id FROM recommendation_status ORDER BY wiki, page_id, image',
      unprocessable_event: 'SELECT wiki, ref, reason FROM unprocessable_event ORDER BY wiki, ref',
      recommendation_exclusions: 'SELECT * FROM recommendation_exclusions ORDER BY wiki, page_id, image NULLS FIRST, reason',
    };
    for (const [name, sql] of Object.entries(queries)) out[name] = (await client.query(sql)).rows;
    return out;
  }

  before(async () => {
    for (const page of Object.values(pages)) {
      for (const r of page.revisions) {
        api.addRevision({ revId: r.rev, pageId: page.id, title: page.title, parentId: r.parent, timestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, r.rev % 100)).toISOString(), text: r.text });
      }
    }
    await api.start();
    // The API is lagged at first: the engine must wait and retry, not fail the events.
    api.failures.push({ status: 200, headers: { 'retry-after': '1' }, body: { error: { code: 'maxlag', info: 'Waiting for a database server: 3 seconds lagged', lag: 3 } } });
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await createTopics(KAFKA_BROKERS, Object.values(topics).map((topic) => ({ topic, partitions: 2 })));

    const config = shippedRulesConfig({
      service,
      prefix,
      databaseUrl: db.url,
      apiUrl: api.url,
      replace: { 'topic: imagematching.page_image_change': `topic: ${topics.derived}` },
    });
    router = await Router.start(config, { log: createLogger(config.log.level as Parameters<typeof createLogger>[0]), io });
  });

  after(async () => {
    await router?.stop(5000);
    await client?.end();
    await db?.drop();
    await api.stop();
  });

  let firstPass: Record<string, unknown[]>;

  test('revision and feedback events leave the expected rows', async () => {
    await produceAll(topics.revisions, revisionEvents('forward'), revisionKey);
    await produceAll(topics.feedback, feedbackEvents, revisionKey);
    await produceAll(topics.legacy, legacyEvents, (e) => `${e.lang}:${e.page_title}`);
    await settled();
    firstPass = await tables();

    const articleImages = (firstPass.page_image_state as Array<{ page_id: string; images: string[] }>).find((p) => p.page_id === '101')!.images;
    assert.ok(articleImages.length >= 4, 'the article has images');
    assert.ok(!articleImages.includes('Suggested_image.jpg'), 'the rollback removed the suggested image');
    const state = firstPass.page_image_state as Array<Record<string, unknown>>;
    assert.deepEqual(
      state.map((p) => [p.page_id, p.rev_id, p.illustrated, p.illustrated_by_suggestion]),
      [['101', '1004', true, false], ['201', '2004', true, false], ['401', '4001', false, null]],
    );

    const changes = (firstPass.image_change as Array<Record<string, unknown>>).filter((c) => c.page_id === '101' && c.image === 'Suggested_image.jpg');
    assert.deepEqual(changes.map((c) => [c.rev_id, c.change, c.by_suggestion]), [['1002', 'added', true], ['1004', 'removed', false]]);

    const status = (firstPass.recommendation_status as Array<Record<string, unknown>>).filter((s) => s.page_id === '101' && s.image === 'Suggested_image.jpg');
    assert.deepEqual(status.map((s) => [s.status, s.rev_id]), [['removed', '1004']], 'accepted, then applied, then removed by the rollback');
    const plain = (firstPass.recommendation_status as Array<Record<string, unknown>>).filter((s) => s.page_id === '401');
    assert.deepEqual(plain.map((s) => [s.image, s.status, s.reasons, s.source]), [
      ['Legacy_choice.png', 'rejected', ['notrelevant', 'lowquality'], 'android.image_recommendation_interaction'],
      ['Maybe.jpg', 'undecided', ['unfamiliar'], 'mediawiki.image_suggestions_feedback'],
      ['Rejected.jpg', 'rejected', ['notrelevant'], 'mediawiki.image_suggestions_feedback'],
    ]);
    assert.deepEqual(firstPass.unprocessable_event, [
      { wiki: 'enwiki', ref: 'rev:3001', reason: 'revision_hidden' },
      { wiki: 'enwiki', ref: 'title:No_such_page', reason: 'page_missing' },
    ]);
    assert.ok(api.requests.length >= 2, 'the maxlag answer was retried');

    // The I/O edges report to metrics: every API request (the lagged answer is a 2xx with an error body) and
    // the rows written per table.
    const scrape = await metrics.registry.getMetricsAsJSON();
    const values = (name: string) => scrape.find((m) => m.name === name)?.values ?? [];
    const apiCount = values('imagematching_router_mediawiki_requests_total').reduce((n, v) => n + Number(v.value), 0);
    assert.equal(apiCount, api.requests.length, 'one request metric per API request');
    const rows = Object.fromEntries(values('imagematching_router_db_rows_written_total').map((v) => [v.labels.table, Number(v.value)]));
    assert.ok(rows.page_image_state! >= 3 && rows.recommendation_status! >= 3, JSON.stringify(rows));
    assert.ok(values('imagematching_router_db_write_duration_seconds').length > 0);
  });

  test('a page whose revisions arrived newest first ends in the same state as one read in order', () => {
    const shift = (v: unknown) => String(Number(v) + 1000);
    const pick = (rows: unknown[], page: string) => (rows as Array<Record<string, unknown>>).filter((r) => r.page_id === page);
    const normalise = (rows: Array<Record<string, unknown>>, map: boolean): Array<Record<string, unknown>> =>
      rows.map(({ page_id: _p, page_title: _t, ...r }) => ({ ...r, ...(r.rev_id !== undefined && r.rev_id !== null && map ? { rev_id: shift(r.rev_id) } : {}) }));
    for (const table of ['page_image_state', 'image_change', 'recommendation_status'] as const) {
      const inOrder = normalise(pick(firstPass[table]!, '101'), true);
      const outOfOrder = normalise(pick(firstPass[table]!, '201'), false);
      // Feedback exists for page 101 only; compare the edit-derived rows.
      const edits = (rows: Array<Record<string, unknown>>) => rows.filter((r) => r.source === undefined || r.source === 'mediawiki.revision-create');
      if (table === 'page_image_state') {
        assert.deepEqual(
          outOfOrder.map(({ rev_timestamp: _ts, ...r }) => r),
          inOrder.map(({ rev_timestamp: _ts, ...r }) => r),
        );
      } else if (table === 'recommendation_status') {
        assert.deepEqual(edits(outOfOrder).map(({ event_dt: _d, ...r }) => r), edits(inOrder).map(({ event_dt: _d, ...r }) => r));
      } else {
        assert.deepEqual(outOfOrder, inOrder);
      }
    }
  });

  test('the batch job view returns the illustrated pages and the pairs not to offer again', () => {
    const view = firstPass.recommendation_exclusions as Array<Record<string, unknown>>;
    const pagesExcluded = view.filter((r) => r.image === null).map((r) => r.page_id);
    assert.deepEqual(pagesExcluded, ['101', '201']);
    const pairs = view.filter((r) => r.page_id === '401').map((r) => [r.image, r.reason]);
    assert.deepEqual(pairs, [['Legacy_choice.png', 'rejected'], ['Rejected.jpg', 'rejected']]);
    assert.ok(view.some((r) => r.page_id === '101' && r.image === 'Suggested_image.jpg' && r.reason === 'removed'));
  });

  test('only revisions that changed the image set produce a page_image_change event', async () => {
    const consumer = new KafkaConsumerClient(consumerSettings({ brokers: KAFKA_BROKERS, client_id: 'imr-e2e-reader', consumer: {} }, `${service}-reader`));
    await consumer.connect();
    consumer.subscribe([topics.derived]);
    const got: ConsumedMessage[] = [];
    try {
      await waitFor('derived events', async () => {
        got.push(...(await consumer.consumeBatch(100)));
        return got.length >= 6 || undefined;
      }, 60_000, 0);
    } finally {
      await consumer.disconnect();
    }
    const events = got.map((m) => JSON.parse(m.value!.toString()) as Record<string, unknown>);
    const revs = events.map((e) => e.rev_id as number).sort((a, b) => a - b);
    assert.deepEqual(revs, [1001, 1002, 1004, 2001, 2002, 2004], 'no event for the copy-edit, the hidden revision or the imageless page');
    const rollback = events.find((e) => e.rev_id === 1004)!;
    assert.deepEqual([rollback.removed, rollback.added, rollback.is_revert, rollback.by_suggestion], [['Suggested_image.jpg'], [], true, false]);
    const added = events.find((e) => e.rev_id === 1002)!;
    assert.deepEqual([added.added, added.suggestion_tag, added.rev_parent_id, (added.meta as Record<string, unknown>).request_id], [['Suggested_image.jpg'], 'top', 1001, runId]);
    assert.equal(events.find((e) => e.rev_id === 1001)!.rev_parent_id, null);
  });

  test('consuming the same events again, in another order, leaves the same tables', async () => {
    await produceAll(topics.revisions, revisionEvents('reverse'), revisionKey);
    await produceAll(topics.feedback, [...feedbackEvents].reverse(), revisionKey);
    await produceAll(topics.legacy, legacyEvents, (e) => `${e.lang}:${e.page_title}`);
    await settled();
    assert.deepEqual(await tables(), firstPass);
  });
});
