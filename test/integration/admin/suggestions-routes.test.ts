// The suggestions read API over real HTTP, on the real PostgreSQL and the embedded one: datasets imported by the real
// importer, exclusions made by the router's own store writes, the Data Gateway's row shape, paging and 400s.
import { startReadOnlyAdmin } from '../../helpers/admin-server.ts';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from '../../../lib/store/pool.ts';
import { migrate } from '../../../lib/store/migrate.ts';
import type { AdminServer } from '../../../lib/admin/server.ts';
import { RecommendationStore } from '../../../lib/store/recommendations.ts';
import { SuggestionImporter } from '../../../lib/suggestions/importer.ts';
import { PAGE_SUGGESTIONS_SQL, SUGGESTIBLE_PAGES_SQL } from '../../../lib/suggestions/serving-queries.ts';
import { encodePageCursor } from '../../../lib/admin/page-cursor.ts';
import { STORE_BACKENDS } from '../../helpers/services.ts';
import { feedbackWrite, revisionWrite } from '../../helpers/store-writes.ts';
import { cassandraRow, runId, writeNdjson, type CassandraRow } from '../../helpers/suggestion-datasets.ts';

// Two weekly runs whose ids sort the other way round from their times: the newer run has the smaller id.
const OLDER = runId('2024-05-06T07:00:00Z');
const NEWER = runId('2024-05-13T07:06:00Z');

interface Page {
  page_id: number;
  page_title: string | null;
  suggestions: number;
}
interface Listing {
  wiki: string;
  dataset: { id: string; time: string } | null;
  items: Page[];
  next_cursor: string | null;
}

for (const backend of STORE_BACKENDS) describe(`the suggestions read API on the ${backend.name}`, () => {
  let pool: Pool;
  let close: () => Promise<void>;
  let server: AdminServer;
  let base: string;
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const images = async (pageId: number, wiki = 'enwiki') => {
    const { status, body } = await get(`/v1/suggestions/${wiki}/${pageId}`);
    assert.equal(status, 200);
    return (body.rows as Array<{ image: string }>).map((r) => r.image);
  };

  before(async () => {
    ({ pool, close } = await backend.open());
    await migrate(pool);
    const dir = mkdtempSync(join(tmpdir(), 'imr-suggestions-api-'));
    const newer: CassandraRow[] = [
      cassandraRow(NEWER, 1, 'A.jpg', 0.5),
      cassandraRow(NEWER, 1, 'C.jpg', 0.9),
      cassandraRow(NEWER, 1, 'B.jpg', 0.9, { section_heading: 'History', section_index: 1, kind: ['istype-section-topics'], page_qid: 'Q1' }),
      cassandraRow(NEWER, 2, 'Two.jpg', 0.8),
      cassandraRow(NEWER, 3, 'X.jpg', 0.8),
      cassandraRow(NEWER, 3, 'Y.jpg', 0.7),
      cassandraRow(NEWER, 4, 'Z.jpg', 0.8),
      cassandraRow(NEWER, 4, 'W.jpg', 0.7),
      cassandraRow(NEWER, 5, 'Q.jpg', 0.8),
      cassandraRow(NEWER, 5, 'R.jpg', 0.7),
      cassandraRow(NEWER, 6, 'U.jpg', 0.8),
      cassandraRow(NEWER, 7, 'V.jpg', 0.8),
      cassandraRow(NEWER, 7, 'V2.jpg', 0.6),
    ];
    // The older run: rows GrowthExperiments would drop by their id, and a page the newer run no longer has.
    const older = [cassandraRow(OLDER, 1, 'Old.jpg', 0.99), cassandraRow(OLDER, 8, 'Gone.jpg', 0.9)];
    // frwiki, for paging: pages 100..129, every third illustrated below.
    const fr = Array.from({ length: 30 }, (_, i) => [cassandraRow(NEWER, 100 + i, `P${i}.jpg`, 0.5, { wiki: 'frwiki' }), cassandraRow(NEWER, 100 + i, `Q${i}.jpg`, 0.4, { wiki: 'frwiki' })]).flat();
    writeNdjson(join(dir, 'newer.ndjson'), [...newer, ...fr]);
    writeNdjson(join(dir, 'older.ndjson'), older);
    const importer = new SuggestionImporter({ pool });
    await importer.importPaths([join(dir, 'newer.ndjson')]);
    await importer.importPaths([join(dir, 'older.ndjson')]);

    // What the router learnt since, through its own store writes.
    const store = new RecommendationStore(pool, { lingerMs: 1 });
    await store.write({ revision: revisionWrite(2, 20, ['Another_route.jpg'], null) }); // page 2 illustrated by another route
    await store.write({ feedback: feedbackWrite(3, 'X.jpg', 'rejected', 30) });
    await store.write({ revision: revisionWrite(4, 40, ['Z.jpg'], []) }); // applied...
    await store.write({ revision: revisionWrite(4, 41, [], ['Z.jpg']) }); // ...then removed: the page is unillustrated again
    await store.write({ feedback: feedbackWrite(5, 'Q.jpg', 'accepted', 50) });
    await store.write({ feedback: feedbackWrite(6, 'U.jpg', 'undecided', 60) });
    await store.write({ feedback: feedbackWrite(7, 'V.jpg', 'invalidated', 70) });
    for (let i = 0; i < 30; i += 3) {
      await store.write({ revision: revisionWrite(100 + i, 1000 + i, ['Fr.jpg'], null, { wiki: 'frwiki', domain: 'fr.wikipedia.org' }) });
    }
    await store.idle();

    server = await startReadOnlyAdmin(pool);
    base = `http://127.0.0.1:${server.port}`;
  });
  after(async () => {
    await server?.close();
    await close?.();
  });

  test("a page's suggestions come from the newest dataset by time, best first, in the Data Gateway's row shape", async () => {
    assert.ok(NEWER < OLDER, 'the newer run has the lexically smaller id');
    const { status, body } = await get('/v1/suggestions/enwiki/1');
    assert.equal(status, 200);
    assert.deepEqual(body, {
      rows: [
        { wiki: 'enwiki', page_id: 1, id: NEWER, image: 'B.jpg', origin_wiki: 'commonswiki', confidence: 0.9, found_on: ['dewiki'], kind: ['istype-section-topics'], page_rev: 1001, section_heading: 'History', section_index: 1, page_qid: 'Q1' },
        { wiki: 'enwiki', page_id: 1, id: NEWER, image: 'C.jpg', origin_wiki: 'commonswiki', confidence: 0.9, found_on: ['dewiki'], kind: ['istype-lead-image'], page_rev: 1001, section_heading: null, section_index: null, page_qid: null },
        { wiki: 'enwiki', page_id: 1, id: NEWER, image: 'A.jpg', origin_wiki: 'commonswiki', confidence: 0.5, found_on: ['dewiki'], kind: ['istype-lead-image'], page_rev: 1001, section_heading: null, section_index: null, page_qid: null },
      ],
    });
    assert.deepEqual(await images(8), [], 'a page only the older run has gets nothing');
  });

  test('the Data Gateway path answers the same, so GrowthExperiments can be pointed at the router', async () => {
    assert.deepEqual(await get('/public/image_suggestions/suggestions/enwiki/1'), await get('/v1/suggestions/enwiki/1'));
  });

  test('what the router knows since is subtracted: illustrated pages, rejected, applied-then-removed, accepted, invalidated pairs', async () => {
    assert.deepEqual(await images(2), [], 'illustrated by another route: every suggestion withdrawn');
    assert.deepEqual(await images(3), ['Y.jpg']);
    assert.deepEqual(await images(4), ['W.jpg']);
    assert.deepEqual(await images(5), ['R.jpg']);
    assert.deepEqual(await images(7), ['V2.jpg']);
  });

  test('an undecided answer does not withdraw the suggestion', async () => {
    assert.deepEqual(await images(6), ['U.jpg']);
  });

  test('an unknown page or a wiki without a dataset answers with no rows', async () => {
    assert.deepEqual(await get('/v1/suggestions/enwiki/999'), { status: 200, body: { rows: [] } });
    assert.deepEqual(await get('/v1/suggestions/kowiki/1'), { status: 200, body: { rows: [] } });
    assert.deepEqual(await get('/v1/suggestions/kowiki'), { status: 200, body: { wiki: 'kowiki', dataset: null, items: [], next_cursor: null } });
  });

  test('the suggestible pages of a wiki page through with the cursor, each once, in page order, counting what remains', async () => {
    const seen: Page[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { status, body } = await get(`/v1/suggestions/frwiki?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(status, 200, JSON.stringify(body));
      const listing = body as unknown as Listing;
      assert.deepEqual(listing.dataset, { id: NEWER, time: '2024-05-13T07:06:00.000000Z' });
      seen.push(...listing.items);
      cursor = listing.next_cursor;
      pages++;
    } while (cursor !== null && pages < 50);
    const expected = Array.from({ length: 30 }, (_, i) => 100 + i).filter((id) => (id - 100) % 3 !== 0);
    assert.deepEqual(seen.map((p) => p.page_id), expected);
    assert.equal(pages, 5);
    assert.ok(seen.every((p) => p.suggestions === 2 && p.page_title === null));
    const { body } = await get('/v1/suggestions/enwiki?limit=100');
    assert.deepEqual((body.items as Page[]).map((p) => [p.page_id, p.suggestions]), [[1, 3], [3, 1], [4, 1], [5, 1], [6, 1], [7, 1]]);
    assert.equal(body.next_cursor, null);
  });

  test('bad input is a 400 with a JSON error, unknown query parameters included', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/v1/suggestions/EnWiki/1', /wiki must be a wiki id/],
      ['/v1/suggestions/enwiki/0', /pageId must be a positive integer/],
      ['/v1/suggestions/enwiki/12abc', /pageId must be a positive integer/],
      ['/v1/suggestions/enwiki/1?limit=5', /unknown query parameter limit: this route takes none/],
      ['/public/image_suggestions/suggestions/enwiki/1?x=1', /unknown query parameter x/],
      ['/v1/suggestions/enwiki?limit=0', /limit must be an integer from 1 to 1000/],
      ['/v1/suggestions/enwiki?limit=abc', /limit must be an integer/],
      ['/v1/suggestions/enwiki?limit=1&limit=2', /limit must be given once/],
      ['/v1/suggestions/enwiki?cursor=nonsense', /invalid cursor/],
      [`/v1/suggestions/enwiki?cursor=${encodePageCursor({ wiki: 'frwiki', pageId: '101' })}`, /invalid cursor/],
      ['/v1/suggestions/enwiki?sort=confidence', /unknown query parameter sort: only limit, cursor/],
    ];
    for (const [path, message] of cases) {
      const { status, body } = await get(path);
      assert.equal(status, 400, path);
      assert.match(String(body.error), message, path);
    }
  });

  test('both queries are index look-ups: no sequential scan of the dataset or of the router state', async () => {
    // Enough rows that a scan would cost more than the indexes, with fresh statistics.
    await pool.query(`INSERT INTO image_suggestion (dataset_key, wiki, page_id, image, confidence)
      SELECT d.dataset_key, 'enwiki', 1000 + i / 4, 'Bulk_' || i || '.jpg', 0.5 FROM suggestion_dataset d, generate_series(1, 20000) i WHERE d.dataset_id = '${NEWER}'`);
    await pool.query(`INSERT INTO page_image_state (wiki, page_id, page_title, rev_id, images, illustrated) SELECT 'enwiki', 1000 + i, 'P', 1, '{A.jpg}', true FROM generate_series(1, 5000, 2) i`);
    await pool.query(`INSERT INTO recommendation_status (wiki, page_id, image, status, source, event_dt) SELECT 'enwiki', 1000 + i / 4, 'Bulk_' || i || '.jpg', 'rejected', 'test', now() FROM generate_series(1, 20000, 3) i`);
    await pool.query('ANALYZE');
    const { rows: [newest] } = await pool.query<{ key: number }>(`SELECT dataset_key AS key FROM suggestion_dataset WHERE dataset_id = $1`, [NEWER]);
    const plans = [
      await pool.query(`EXPLAIN ${PAGE_SUGGESTIONS_SQL}`, ['enwiki', '1500']),
      await pool.query(`EXPLAIN ${SUGGESTIBLE_PAGES_SQL}`, ['enwiki', newest!.key, '1500', 101]),
    ].map((r) => r.rows.map((row) => String(row['QUERY PLAN'])).join('\n'));
    for (const plan of plans) {
      assert.doesNotMatch(plan, /Seq Scan on (image_suggestion|page_image_state|recommendation_status)/, plan);
      assert.match(plan, /Index (Only )?Scan using image_suggestion_(page|dataset_pages) on image_suggestion/, plan);
    }
  });
});
